import { NodewardenError } from '../../errors.js';
import type { ReloadResponse, TargetReloadPlan } from '../../protocol/types.js';
import type { ApiContext, ControlHost, ReloadOutcome } from '../context.js';

/** Reloads in flight per daemon: two requests never apply configs over each other. */
const queues = new WeakMap<ControlHost, Promise<unknown>>();

/**
 * `POST /api/reload`: re-read and validate every config file; apply it only if
 * all of it is valid (DESIGN §2). A refused config comes back `ok: false` with
 * every problem and nothing changed; the route answers it with HTTP 422.
 * With `dryRun`, the same plan is computed and returned, and nothing applied.
 */
export function handleReload(ctx: ApiContext, dryRun = false): Promise<ReloadResponse> {
  const { daemon } = ctx;
  // A reload could start nodes while the daemon stops every one of them.
  if (daemon.supervisor.isShuttingDown)
    return Promise.reject(
      new NodewardenError('E_BAD_REQUEST', 'the daemon is shutting down; reload refused'),
    );
  const prev = queues.get(daemon) ?? Promise.resolve();
  const next = prev.then(async (): Promise<ReloadResponse> => {
    const r = dryRun ? daemon.previewReload() : await daemon.reload();
    return response(r, dryRun);
  });
  queues.set(
    daemon,
    next.catch(() => undefined),
  );
  return next;
}

function response(r: ReloadOutcome, dryRun: boolean): ReloadResponse {
  if (!r.ok) {
    return {
      ok: false,
      added: [],
      removed: [],
      changed: [],
      unchanged: [],
      needsManagerRestart: [],
      problems: r.problems,
      live: [],
      keys: {},
      dryRun,
    };
  }
  const d = r.diff;
  return {
    ok: true,
    added: [...d.added],
    removed: [...d.removed],
    changed: [...d.changed],
    unchanged: [...d.unchanged],
    needsManagerRestart: [...d.needsManagerRestart],
    problems: [],
    live: [...d.live],
    keys: { ...d.keys },
    dryRun,
    // Only when a target is configured (before or after): a node-only fleet's answer stays as it was.
    ...(r.targets && anyTarget(r.targets) && { targets: r.targets }),
  };
}

function anyTarget(t: TargetReloadPlan): boolean {
  return t.added.length + t.removed.length + t.changed.length + t.unchanged.length > 0;
}
