import { PROTOCOL_VERSION, type HelloResponse } from '../../protocol/types.js';
import { VERSION } from '../../version.js';

/** `GET /api/hello`: the protocol this daemon speaks and its version, for clients to check. */
export function handleHello(): HelloResponse {
  return { protocol: PROTOCOL_VERSION, version: VERSION };
}
