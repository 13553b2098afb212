import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
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

/** A pipe's capacity until it is enlarged (Linux default). */
export const DEFAULT_PIPE_BYTES = 64 * 1024;
/** What `enlargePipe` asks for: the default most unprivileged users may set (`/proc/sys/fs/pipe-max-size`). */
const LARGE_PIPE_BYTES = 1024 * 1024;
/**
 * Pipes one manager enlarges at most: the kernel charges enlarged pipes to the
 * user, and past `/proc/sys/fs/pipe-user-pages-soft` (64 MiB by default) every
 * new pipe of that user is cut to one page.
 */
const MAX_ENLARGED = 16;
let enlarged = 0;
/** Sets the pipe size of the fd inherited as fd 3 (F_SETPIPE_SZ = 1031) and prints the new size. */
const SET_PIPE_SIZE =
  'open(my $p, "+<&=", 3) or exit 1; my $r = fcntl($p, 1031, $ARGV[0]) or exit 1; print $r + 0;';

/**
 * Enlarges the pipe behind fd (a node's FIFO) to 1 MiB, so a node that writes
 * fast fills it less often. Node has no fcntl, so this runs one short `perl`
 * (part of every Debian base system); where there is no perl, or the kernel
 * refuses, the pipe keeps its size and everything works as before, with more
 * reads. Resolves with the new size, or null.
 */
export function enlargePipe(fd: number): Promise<number | null> {
  if (process.platform !== 'linux' || enlarged >= MAX_ENLARGED) return Promise.resolve(null);
  enlarged++;
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn('perl', ['-e', SET_PIPE_SIZE, String(LARGE_PIPE_BYTES)], {
        stdio: ['ignore', 'pipe', 'ignore', fd],
        timeout: 10_000,
      });
    } catch {
      return resolve(null);
    }
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      const size = Number(out);
      resolve(code === 0 && Number.isInteger(size) && size > 0 ? size : null);
    });
  });
}
