import { DRAFT, group, leaf, NODE_KINDS as K, SCHEMA_KEY, type JsonSchema } from './json-schema.js';
import { mergedNodeSchema } from './node-schema.js';

/**
 * The keys of `targets/<name>.json` (a watch-only endpoint: probes, no
 * process) as JSON Schema. Its probes are the node files' probe schema
 * (`#/$defs/probe`, the very object), so every probe type and option a node
 * takes works for a target too.
 */

/** Failures in a row before a target counts as down. */
export const DEFAULT_DOWN_AFTER = 2;

function targetProperties(): Record<string, JsonSchema> {
  return {
    $schema: SCHEMA_KEY,
    description: leaf(K.string, 'what this endpoint is (shown nowhere but in the file)'),
    labels: leaf(K.stringMap, 'free labels of the target (e.g. {"network": "mainnet"})', { default: {} }),
    instances: leaf(K.instances, 'replicas of this target file, named <file>-1 … <file>-N', { default: 1 }),
    intervalMs: leaf(
      K.durationMs,
      'time between two probes of a probe that sets no intervalMs of its own (ms or a duration such as "30s")',
      { default: 10_000 },
    ),
    timeoutMs: leaf(
      K.timeoutMs,
      'timeout of a probe that sets no timeoutMs of its own (ms or a duration, at most 1 hour)',
      { default: 5_000 },
    ),
    downAfter: leaf(K.count, 'failed probe rounds in a row before the target is down', {
      default: DEFAULT_DOWN_AFTER,
    }),
    probes: {
      description:
        'probes by name (at least one); the target is up while they answer; `height` is shown against its sync group',
      type: 'object',
      additionalProperties: { $ref: '#/$defs/probe' },
    },
    sync: group(
      'the sync group whose reference height the target is shown against (never restarts anything)',
      {
        group: leaf(K.nonEmptyString, 'a sync group of nodes (or reference probes); null = none', {
          default: null,
          nullable: true,
        }),
      },
      { default: {} },
    ),
  };
}

/** What the target validator checks (and `config schema target` prints). */
export const targetSchema: JsonSchema = {
  $schema: DRAFT,
  title: 'nodewarden target file',
  ...group(
    'targets/<name>.json: an endpoint nodewarden watches but does not run; durations take milliseconds or a string such as "90s"',
    targetProperties(),
    { required: ['probes'] },
  ),
  $defs: { probe: (mergedNodeSchema.$defs as Record<string, JsonSchema>).probe! },
};
