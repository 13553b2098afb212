import { isLive, pidsWithMarker, readEntry, scanProcs } from './proc-scan.js';
import { sleep } from './time.js';

/**
 * Ends every process the bench started, by pid, whatever happens: each launch
 * lives in its own directory under the run's temp root, and every process of
 * it (manager, PM2 God daemon, supervised children, npm of `pm2 install`)
 * carries that path in its argv, so a /proc scan finds them all, even the
 * children a killed manager left behind. Never signals by name.
 */
export class Reaper {
  private aborting = false;

  constructor(readonly marker: string) {}

  /** SIGTERM, then SIGKILL after graceMs if the process is still there. */
  static async end(pid: number, graceMs: number): Promise<void> {
    if (!signal(pid, 'SIGTERM')) return;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if (!isLive(pid)) return;
      await sleep(20);
    }
    signal(pid, 'SIGKILL');
  }

  /**
   * SIGKILL every live process whose argv contains `marker` (default: the run
   * root). Managers first, then rescans, so that nothing spawned meanwhile
   * survives. Returns how many were killed.
   */
  killMarked(marker: string = this.marker, comm = 'nwb-child'): number {
    let killed = 0;
    for (let pass = 0; pass < 5; pass++) {
      const procs = scanProcs();
      const marked = pidsWithMarker(marker, procs);
      // Their descendants too: runit's runsv and svlogd do not name the launch directory.
      const set = new Set(marked);
      const under = (pid: number): boolean => {
        let cur = procs.get(pid);
        for (let hops = 0; cur && hops < 64; hops++) {
          if (set.has(cur.ppid)) return true;
          cur = procs.get(cur.ppid);
        }
        return false;
      };
      const pids = [
        ...marked,
        ...[...procs.values()]
          .filter((e) => e.state !== 'Z' && !set.has(e.pid) && under(e.pid))
          .map((e) => e.pid),
      ];
      if (pids.length === 0) break;
      // Managers before their children, so none of them respawns a child.
      pids.sort((a, b) => Number(procs.get(a)?.comm === comm) - Number(procs.get(b)?.comm === comm));
      for (const pid of pids) if (signal(pid, 'SIGKILL')) killed++;
    }
    return killed;
  }

  /**
   * On SIGINT/SIGTERM run `abort` (graceful cleanup), then exit 130; on any
   * exit, SIGKILL whatever still carries the marker (synchronous last resort).
   */
  install(abort: () => Promise<void>): void {
    const onSignal = (sig: NodeJS.Signals): void => {
      if (this.aborting) {
        this.killMarked();
        process.exit(130);
      }
      this.aborting = true;
      process.stderr.write(`\nbench: ${sig}, cleaning up (again to force)\n`);
      abort()
        .catch((err: unknown) => process.stderr.write(`bench: cleanup failed: ${String(err)}\n`))
        .finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', () => {
      const n = this.killMarked();
      if (n > 0) process.stderr.write(`bench: killed ${n} leftover process(es) at exit\n`);
    });
  }
}

/** Sends a signal; false when the process does not exist (or is a zombie). */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  const e = readEntry(pid);
  if (!e || e.state === 'Z') return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
