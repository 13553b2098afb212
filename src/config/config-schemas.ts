import { EVENT_TYPES } from '../events/types.js';
import {
  DRAFT,
  enumKind,
  group,
  leaf,
  MANAGER_KINDS as K,
  SCHEMA_KEY,
  toJson,
  type JsonSchema,
  type LeafKind,
} from './json-schema.js';
import { isPlainObject } from './merge.js';
import { nodeFileSchema } from './node-schema.js';
import { targetSchema } from './target-schema.js';
import { FORMAT_CHECKS, HOST_NAME, IPV6_LITERAL, LOG_LEVELS, managerSchema } from './schema.js';

/**
 * The JSON Schemas of the config files (nodewarden.json, template.json, node and target files), as `nodewarden config schema`
 * prints them and schema/*.json ships them. nodewarden.json's is generated
 * from the convict schema the manager config is loaded with (each `nw-…`
 * format has its JSON Schema kind here), node files' is the one the node
 * validator runs on.
 */

export const SCHEMA_KINDS = ['nodewarden', 'template', 'node', 'target'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/** A pattern as JSON Schema writes it (no flags): case-insensitive letters spelled out. */
function caseless(re: RegExp): string {
  return re.source.replaceAll('a-z', 'a-zA-Z').replaceAll('0-9a-f', '0-9a-fA-F');
}

const check = (name: string) => FORMAT_CHECKS[name]!;

/** The JSON Schema kind of each convict format of nodewarden.json. */
export const FORMAT_KINDS: Readonly<Record<string, { kind: LeafKind; nullable?: boolean }>> = {
  'nw-string': { kind: K.nonEmptyString },
  'nw-string-or-null': { kind: K.nonEmptyString, nullable: true },
  'nw-any-string-or-null': { kind: K.string, nullable: true },
  'nw-bool': { kind: K.boolean },
  'nw-duration-ms': { kind: K.durationMs },
  'nw-duration-ms-or-zero': { kind: K.durationMsOrZero },
  'nw-seconds-or-zero': { kind: K.durationSecondsOrZero },
  'nw-days': { kind: K.days },
  'nw-count': { kind: K.count },
  'nw-count-or-zero': { kind: K.countOrZero },
  'nw-nodes-or-zero': { kind: K.nodesOrZero },
  'nw-events': { kind: K.events },
  'nw-bytes': { kind: K.bytes },
  'nw-percent': { kind: K.percent },
  'nw-port-or-null': { kind: K.port, nullable: true },
  'nw-log-level': { kind: { ...enumKind(LOG_LEVELS), check: check('nw-log-level') } },
  'nw-event-list': {
    kind: {
      schema: { type: 'array', items: { type: 'string', enum: [...EVENT_TYPES] } },
      check: check('nw-event-list'),
    },
  },
  'nw-host-list': {
    kind: {
      schema: {
        type: 'array',
        items: {
          type: 'string',
          maxLength: 253,
          anyOf: [{ pattern: caseless(HOST_NAME) }, { pattern: caseless(IPV6_LITERAL) }],
        },
      },
      check: check('nw-host-list'),
    },
  },
  'nw-string-list': {
    kind: {
      schema: { type: 'array', items: { type: 'string', minLength: 1 } },
      check: check('nw-string-list'),
    },
  },
  'nw-webhooks': {
    kind: {
      schema: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['url'],
          properties: {
            url: {
              description: 'http:// or https:// URL the alert is POSTed to',
              type: 'string',
              pattern: '^[hH][tT][tT][pP][sS]?://',
            },
            headers: {
              description: 'extra request headers',
              type: 'object',
              additionalProperties: { type: 'string' },
              default: {},
            },
            timeoutMs: {
              description: 'give up after this long (ms or a duration, at most 1 hour)',
              ...K.timeoutMs.schema,
              default: 10_000,
            },
          },
        },
      },
      check: check('nw-webhooks'),
    },
  },
};

function managerNode(node: Record<string, unknown>, description: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(node)) {
    if (!isPlainObject(v)) continue;
    if ('format' in v && 'default' in v) {
      const f = FORMAT_KINDS[v.format as string];
      if (f === undefined)
        throw new Error(`nodewarden.json: ${k}: format ${String(v.format)} has no JSON Schema`);
      properties[k] = leaf(f.kind, String(v.doc), { default: v.default, nullable: f.nullable === true });
    } else {
      properties[k] = managerNode(v, `${k} settings`);
    }
  }
  return group(description, properties, { default: {} });
}

/** The JSON Schema of nodewarden.json, from the convict schema. */
export function managerFileSchema(): JsonSchema {
  const body = managerNode(managerSchema, '');
  const { default: _d, ...rest } = body;
  return {
    $schema: DRAFT,
    title: 'nodewarden.json',
    ...rest,
    description:
      'nodewarden.json: manager settings; durations take milliseconds (…Ms) or seconds (…Seconds), or a string such as "90s"',
    properties: { $schema: SCHEMA_KEY, ...(rest.properties as Record<string, JsonSchema>) },
  };
}

/** The schema of one file kind (live objects: the validators recognise their leaves). */
export function configSchema(kind: SchemaKind): JsonSchema {
  if (kind === 'target') return targetSchema;
  return kind === 'nodewarden' ? managerFileSchema() : nodeFileSchema(kind);
}

/** The schema files under schema/: file name → JSON text (what `config schema` prints, formatted). */
export function schemaFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kind of SCHEMA_KINDS)
    out[`${kind}.schema.json`] = `${JSON.stringify(toJson(configSchema(kind)), null, 2)}\n`;
  return out;
}
