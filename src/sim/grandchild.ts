/**
 * `--spawn-child`: starts the sleeper grandchild in the sim's own process group
 * (not detached) so a group or tree kill reaches it, and relays its report lines
 * as `GRANDCHILD <line>` on the sim's stdout.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { say } from './output.js';

const SLEEPER = fileURLToPath(new URL('./sleeper.js', import.meta.url));

/**
 * Spawns the sleeper and resolves with its pid once it has installed its signal
 * handlers; a SIGTERM sent after this cannot kill it by accident.
 */
export function spawnGrandchild(ignoreSigterm: boolean): Promise<number> {
  const child = spawn(process.execPath, [SLEEPER, ...(ignoreSigterm ? ['--ignore-sigterm'] : [])], {
    // stderr ignored: an inherited stderr would keep the sim's own pipe open after the sim exits.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.unref();
  return new Promise((resolve, reject) => {
    let buf = '';
    let ready = false;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`grandchild exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'SLEEPER READY' && !ready) {
          ready = true;
          resolve(child.pid!);
        } else {
          say(`GRANDCHILD ${line}`);
        }
      }
    });
  });
}
