import type { ProbeSpec } from '../../config/types.js';
import { httpText } from './http-text.js';
import { parseBody, pickPath } from './value.js';

/**
 * `http` probe: GET `url`; with `path` the body must be JSON and the value is
 * found at that dot path, without it the whole body (JSON, or else its text).
 */
export async function httpProbe(spec: ProbeSpec, signal: AbortSignal): Promise<unknown> {
  const text = await httpText({ url: spec.url!, signal, auth: spec.auth });
  const hasPath = spec.path !== undefined && spec.path !== '';
  return pickPath(parseBody(text, hasPath), spec.path);
}
