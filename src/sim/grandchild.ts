/**
 * `--spawn-child`: starts the sleeper grandchild in the sim's own process group
 * (not detached) so a group or tree kill reaches it, and relays its report lines
 * as `GRANDCHILD <line>` on the sim's stdout.
 *
 * `--spawn-daemon`: starts the sleeper the way a daemon starts: a first child in
 * a new session (setsid) forks the sleeper into yet another session and exits,
 * so the sleeper is in neither the sim's group nor its session, and its parent
 * is gone (double fork). Only the node's cgroup still holds it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { say } from './output.js';

const SLEEPER = fileURLToPath(new URL('./sleeper.js', import.meta.url));

/**
 * Spawns the sleeper and resolves with its pid once it has installed its signal
 * handlers; a SIGTERM sent after this cannot kill it by accident.
 */
export function spawnGrandchild(ignoreSigterm: boolean, opts: { daemon?: boolean } = {}): Promise<number> {
  const daemon = opts.daemon ?? false;
  const args = [SLEEPER, ...(ignoreSigterm ? ['--ignore-sigterm'] : []), ...(daemon ? ['--daemonize'] : [])];
  const child = spawn(process.execPath, args, {
    // stderr ignored: an inherited stderr would keep the sim's own pipe open after the sim exits.
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: daemon,
  });
  child.unref();
  return new Promise((resolve, reject) => {
    let buf = '';
    let ready = false;
    let daemonPid: number | null = null;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      // The daemon's first child exits on purpose (code 0) once the daemon is forked.
      if (!ready && !(daemon && code === 0))
        reject(new Error(`grandchild exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^SLEEPER DAEMON pid=(\d+)$/.exec(line);
        if (m) daemonPid = Number(m[1]);
        else if (line === 'SLEEPER READY' && !ready) {
          ready = true;
          resolve(daemon ? (daemonPid ?? -1) : child.pid!);
        } else {
          say(`GRANDCHILD ${line}`);
        }
      }
    });
  });
}
