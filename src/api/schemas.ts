/**
 * JSON schemas of the control routes' input (params, querystring, body).
 * Fastify validates with them before a handler runs; a failure is a 400
 * E_BAD_REQUEST naming the field. Unknown keys are refused, not dropped.
 */
import { MAX_TARGET_LENGTH, NODE_NAME_PATTERN, TARGET_PATTERN } from '../protocol/targets.js';
import { ACTION_VERBS, EXPORT_KINDS } from '../protocol/types.js';

const nodeName = { type: 'string', pattern: NODE_NAME_PATTERN } as const;
const target = { type: 'string', maxLength: MAX_TARGET_LENGTH, pattern: TARGET_PATTERN } as const;
const since = { type: 'string', minLength: 1, maxLength: 64 } as const;
const timeoutMs = { type: 'integer', minimum: 1, maximum: 86_400_000 } as const;

const obj = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: 'object', properties, required, additionalProperties: false }) as const;

export const nodeParams = obj({ name: nodeName }, ['name']);

export const nodeActionParams = obj({ name: target, verb: { type: 'string', enum: [...ACTION_VERBS] } }, [
  'name',
  'verb',
]);

/** Optional body of `POST /api/nodes/:name/:verb`. */
export const nodeActionBody = obj({
  wait: { type: 'boolean' },
  timeoutMs,
  progress: { type: 'boolean' },
  now: { type: 'boolean' },
  parallel: { type: 'integer', minimum: 0, maximum: 10_000 },
});

export const actionParams = obj({ verb: { type: 'string', enum: [...ACTION_VERBS] } }, ['verb']);

export const actionBody = obj(
  {
    targets: { type: 'array', minItems: 1, maxItems: 1000, items: target },
    wait: { type: 'boolean' },
    timeoutMs,
    progress: { type: 'boolean' },
    now: { type: 'boolean' },
    parallel: { type: 'integer', minimum: 0, maximum: 10_000 },
  },
  ['targets'],
);

export const upgradeBody = obj(
  {
    targets: { type: 'array', minItems: 1, maxItems: 1000, items: target },
    expectVersion: { type: 'string', minLength: 1, maxLength: 128 },
    parallel: { type: 'integer', minimum: 0, maximum: 10_000 },
  },
  ['targets'],
);

/** A read route's `node`: a name, a glob over the configured names, or `all`. */
const nodeOrGlob = target;

export const eventsQuery = obj({
  node: nodeOrGlob,
  type: { type: 'string', pattern: '^[a-z_]+(,[a-z_]+)*$', maxLength: 1000 },
  since,
  limit: { type: 'integer', minimum: 1, maximum: 100_000 },
  /** Order of the answer (the same newest `limit` events): `desc` (default) or `asc`. */
  order: { type: 'string', enum: ['asc', 'desc'] },
});

/** Most points per series of the history answers (README "History"). */
const points = { type: 'integer', minimum: 2, maximum: 1000 } as const;

export const uptimeQuery = obj({
  since,
  node: nodeOrGlob,
  timeline: { type: 'integer', enum: [0, 1] },
  points,
});

export const historyQuery = obj({
  since,
  until: since,
  fields: { type: 'string', minLength: 1, maxLength: 200 },
  points,
});

export const uptimeRankQuery = obj({ since });

export const logsQuery = obj({ n: { type: 'integer', minimum: 1, maximum: 100_000 } });

export const exportParams = obj({ kind: { type: 'string', enum: [...EXPORT_KINDS] } }, ['kind']);

export const exportQuery = obj({
  format: { type: 'string', enum: ['csv', 'json'] },
  since,
  node: nodeOrGlob,
  resolution: { type: 'string', enum: ['raw', 'minute'] },
});

export const shutdownBody = obj({ keepNodes: { type: 'boolean' }, progress: { type: 'boolean' } });

/** Optional body of `POST /api/reload`: `dryRun` previews, touching nothing. */
export const reloadBody = obj({ dryRun: { type: 'boolean' } });
