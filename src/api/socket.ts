import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { NodewardenError } from '../errors.js';

/** Longest Unix socket path the kernel takes (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

/**
 * Make `socketPath` ready to listen on: its directory exists (0700), and a
 * socket file left by a dead daemon is removed, but only after checking that
 * nothing answers on it. A live one (another nodewarden) is E_LOCKED; a file
 * that is not a socket is never removed.
 */
export async function claimSocketPath(socketPath: string): Promise<void> {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH) {
    throw new NodewardenError(
      'E_CONFIG_INVALID',
      `control.socket: ${socketPath} is ${bytes} bytes long, more than the ${MAX_SOCKET_PATH} a Unix socket path may have`,
      { hint: 'set control.socket in nodewarden.json to a shorter path' },
    );
  }
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  let st: fs.Stats;
  try {
    st = fs.lstatSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) {
    throw new NodewardenError(
      'E_CONFIG_INVALID',
      `control.socket: ${socketPath} exists and is not a socket`,
      {
        hint: 'move that file away or set control.socket to another path',
      },
    );
  }
  if (await answers(socketPath)) {
    throw new NodewardenError('E_LOCKED', `another process answers on the control socket ${socketPath}`, {
      hint: 'is another nodewarden using this socket? stop it, or give this one its own control.socket',
    });
  }
  fs.rmSync(socketPath, { force: true }); // stale: its daemon is gone
}

/** Does something accept connections on this socket? (A busy one that does not answer in 2 s counts as yes.) */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const conn = net.connect({ path: socketPath });
    const done = (v: boolean): void => {
      clearTimeout(timer);
      conn.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(true), 2000);
    conn.once('connect', () => done(true));
    conn.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') done(false);
      else {
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}
