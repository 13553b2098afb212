import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NodewardenError } from '../errors.js';

const run = promisify(execFile);

/**
 * The named pipes nodes write their output into (DESIGN §2 "Nodes outlive the
 * manager"). A FIFO survives the manager, so a new manager reopens it and goes
 * on reading where the old one stopped.
 */

/** `<stateDir>/fifo/<name>.fifo`. */
export function fifoPath(stateDir: string, name: string): string {
  return path.join(stateDir, 'fifo', `${name}.fifo`);
}

/**
 * Creates every missing FIFO with one `mkfifo` call (Node has no mkfifo),
 * mode 0600. Existing FIFOs are kept as they are (they may hold unread output);
 * a path that exists but is not a FIFO is an error. Returns the created paths.
 */
export async function ensureFifos(paths: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(p);
      continue;
    }
    if (!st.isFIFO()) {
      throw new NodewardenError(
        'E_INTERNAL',
        `${p} exists but is not a FIFO; remove it so nodewarden can create the node's log pipe`,
        {
          details: { path: p },
        },
      );
    }
  }
  if (missing.length === 0) return [];
  for (const dir of new Set(missing.map((p) => path.dirname(p))))
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await run('mkfifo', ['-m', '0600', '--', ...missing]);
  } catch (err) {
    // A concurrent creator (or a retry) may have made some; only a still-missing FIFO is an error.
    const still = missing.filter((p) => !fs.existsSync(p));
    if (still.length > 0) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim();
      throw new NodewardenError('E_INTERNAL', `cannot create log FIFO ${still[0]}: ${stderr}`, {
        cause: err,
        details: { paths: still },
      });
    }
  }
  return missing;
}
