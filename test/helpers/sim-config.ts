/**
 * Pieces every test that writes a config of simulated nodes shares: where the
 * compiled CLI and simulated node are, a node's `args`, and the JSON merge
 * the test configs are built with.
 */
import { fileURLToPath } from 'node:url';

/** The compiled CLI and simulated node (dist/src/...). */
export const CLI = fileURLToPath(new URL('../../src/cli/index.js', import.meta.url));
export const SIM = fileURLToPath(new URL('../../src/sim/sim-node.js', import.meta.url));

/** `args` of a simulated node: `[SIM, '--name', '{{name}}', ...extra]`. */
export function simArgs(...extra: string[]): string[] {
  return [SIM, '--name', '{{name}}', ...extra];
}

export type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else (null included) replaces. */
export function mergeJson(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = isObject(v) && isObject(out[k]) ? mergeJson(out[k] as Json, v) : v;
  return out;
}
