import {
  FALLBACK_PROFILE,
  MAX_DOUBLINGS,
  type GroupFacts,
  type GroupMemory,
  type MemberFacts,
  type NodeMemory,
  type Plan,
} from './sync-action-types.js';

/**
 * The group's profile mode, one step (pure; updates `g`).
 * Normal → fallback: every live member has an open out-of-sync episode (a
 * group of ≥ 2 live members), or, for a group of one, the node is out of sync
 * again after a policy restart in the same episode (a plain restart is tried
 * first). Fallback → normal: every member on the fallback profile has been in
 * sync for the hold (`windowMs`, doubled per fallback in a row), and no member
 * still waits for its switch.
 */
export function nextMode(
  facts: GroupFacts,
  g: GroupMemory,
  live: readonly MemberFacts[],
  now: number,
  memory: (node: string) => NodeMemory,
): Plan['modeChange'] {
  const windowMs = Math.max(0, ...facts.members.map((m) => m.windowMs));
  const hold = windowMs * 2 ** Math.min(Math.max(0, g.fallbacks - 1), MAX_DOUBLINGS);
  const inSyncFor = (m: MemberFacts, ms: number): boolean =>
    m.health === 'in_sync' && m.healthSince !== null && now - m.healthSince >= ms;
  if (g.mode === 'normal') {
    if (g.fallbackBroken || !live.some((m) => m.hasFallback)) return null;
    const allOut =
      facts.members.length === 1
        ? live.length === 1 &&
          live[0]!.health === 'out_of_sync' &&
          live[0]!.episode === 'out_of_sync' &&
          memory(live[0]!.name).consecutive >= 1
        : live.length >= 2 && live.every((m) => m.episode === 'out_of_sync');
    if (allOut) {
      g.mode = 'fallback';
      g.fallbacks++;
      return 'fallback_entered';
    }
    // A long enough healthy spell on the normal profile forgets earlier fallbacks.
    if (g.fallbacks > 0 && live.length > 0 && live.every((m) => inSyncFor(m, hold * 2))) g.fallbacks = 0;
    return null;
  }
  const switchable = live.filter((m) => m.hasFallback && !m.held);
  const onFallback = live.filter((m) => memory(m.name).profile === FALLBACK_PROFILE);
  const allSwitched = switchable.every((m) => memory(m.name).profile === FALLBACK_PROFILE);
  if (
    live.length === 0 ||
    (allSwitched && onFallback.length > 0 && onFallback.every((m) => inSyncFor(m, hold)))
  ) {
    g.mode = 'normal';
    return 'fallback_left';
  }
  return null;
}
