import { spawn } from 'node:child_process';
import type { ProbeSpec } from '../../config/types.js';
import { parseBody, pickPath, ProbeValueError, quote } from './value.js';

/** Output beyond this is a failure (a probe prints a number or a small JSON document). */
const MAX_OUTPUT = 1024 * 1024;

/**
 * `command` probe: run `command` (argv, never through a shell) in its own
 * process group; exit 0 and stdout give the value: with `path`, stdout is JSON
 * and the value sits at that dot path; without, the trimmed text (a number, a
 * version...). On abort (the probe's timeout) the whole group is SIGKILLed, so
 * no grandchild of a hung script outlives the probe.
 */
export function commandProbe(spec: ProbeSpec, signal: AbortSignal): Promise<unknown> {
  const [file, ...args] = spec.command!;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    let out = '';
    let err = '';
    let failed: Error | null = null;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      failed ??= signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
      killGroup();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.length > MAX_OUTPUT) {
        failed ??= new ProbeValueError(`command printed more than ${MAX_OUTPUT} bytes`);
        killGroup();
      }
    });
    child.stderr.on('data', (d: string) => {
      if (err.length < 4096) err += d;
    });
    child.on('error', (e) => {
      failed ??= new Error(`cannot run ${quote(file)}: ${e.message}`);
    });
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (failed) return reject(failed);
      if (code !== 0) {
        const why = sig ? `was killed by ${sig}` : `exited with code ${code}`;
        const first = err.trim().split('\n')[0];
        return reject(new Error(`command ${why}${first ? `: ${first}` : ''}`));
      }
      try {
        const hasPath = spec.path !== undefined && spec.path !== '';
        resolve(hasPath ? pickPath(parseBody(out, true), spec.path) : out.trim());
      } catch (e) {
        reject(e);
      }
    });
  });
}
