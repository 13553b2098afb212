import fs from 'node:fs';
import path from 'node:path';
import { isLive, readEntry, scanProcs } from '../proc-scan.js';
import { Reaper } from '../reaper.js';
import { waitFor } from '../time.js';
import { aptInstall, assertLive, disposeLaunch, runCommand, spawnLogged, tail, waitGone } from './spawn.js';
import { sleeperArgs, spewArgs, type Cost, type Launched, type Manager, type Workload } from './types.js';

const RUNSVDIR = '/usr/bin/runsvdir';
const SV = '/usr/bin/sv';
const SVLOGD = '/usr/bin/svlogd';

/**
 * runit under test, the C floor: Debian's package (installed with apt-get when
 * missing). `runsvdir` over a private service directory, one service per
 * program whose `run` script execs the bench child (`#!/bin/sh` + `exec`),
 * one `runsv` per service, `sv` to control them. Logs: the `spew` service has
 * a `log/run` running runit's `svlogd`, rotating by size (`s10485760`, `n5`).
 * Its "manager" is runsvdir + every runsv (+ svlogd): RSS is their summed PSS
 * (/proc/<pid>/smaps_rollup), CPU their summed utime+stime.
 */
export class RunitManager implements Manager {
  readonly name = 'runit' as const;
  readonly label = 'runit';
  readonly startAllCommand = '`sv up` of every service (created with a `down` file)';
  readonly notes: string[] = [
    'manager = runsvdir + one runsv per service (+ svlogd for logs): RSS is their summed PSS, CPU their summed utime+stime',
    "each service's `run` is a `/bin/sh` script that execs the program (runit's usual form), so its exec stamp includes one shell exec",
  ];

  constructor(private readonly reaper: Reaper) {}

  async prepare(): Promise<string> {
    if (![RUNSVDIR, SV, SVLOGD].every((b) => fs.existsSync(b))) {
      await aptInstall(['--no-install-recommends', 'runit']);
      this.notes.push('installed with apt-get');
    }
    // runit has no --version; the Debian package says which it is.
    try {
      const { stdout } = await runCommand('dpkg-query', ['-W', '-f=${Version}', 'runit'], {
        timeoutMs: 30_000,
      });
      return `runit ${stdout.trim()}`;
    } catch {
      return 'runit (version unknown)';
    }
  }

  async launch(w: Workload): Promise<Launched> {
    const svDir = path.join(w.dir, 'service');
    const services = writeServices(w, svDir);
    const consoleLog = path.join(w.dir, 'runsvdir.out');
    const proc = spawnLogged(RUNSVDIR, [svDir], { logFile: consoleLog, cwd: w.dir });
    const seen = new Set<number>();
    /** runsvdir's children (runsv) and theirs that are not the bench child (svlogd). */
    const members = (): number[] => {
      const procs = scanProcs();
      const out = [proc.pid];
      for (const e of procs.values()) {
        if (e.state === 'Z') continue;
        if (e.ppid === proc.pid && e.comm === 'runsv') out.push(e.pid);
      }
      const runsvs = new Set(out);
      for (const e of procs.values()) if (runsvs.has(e.ppid) && e.comm === 'svlogd') out.push(e.pid);
      for (const p of out) seen.add(p);
      return out;
    };
    let disposed: Promise<void> | null = null;
    return {
      consoleLog,
      managerPid: async () => proc.pid,
      assertRunning: () => assertLive(proc.pid, 'runsvdir', consoleLog),
      // HUP: runsvdir sends TERM to every runsv and exits; each runsv stops its service and exits.
      stop: async () => {
        members();
        try {
          process.kill(proc.pid, 'SIGHUP');
        } catch {
          throw new Error(`runsvdir (pid ${proc.pid}) is not running:\n${tail(consoleLog)}`);
        }
      },
      waitExit: async (ms) => {
        const deadline = Date.now() + ms;
        if (!(await waitGone(proc.pid, ms))) return false;
        for (const p of seen) if (!(await waitGone(p, Math.max(0, deadline - Date.now())))) return false;
        return true;
      },
      spewLogFiles: () => svlogdSet(path.join(w.logDir, 'spew')),
      logFiles: (name) => svlogdSet(path.join(w.logDir, name)),
      ready: async (timeoutMs) => {
        // Every runsv up: its supervise/ok FIFO exists once it listens for commands.
        await waitFor(
          `${services.length} runsv ready`,
          () => (
            assertLive(proc.pid, 'runsvdir', consoleLog),
            services.every((s) => fs.existsSync(path.join(s, 'supervise', 'ok')))
          ),
          { timeoutMs, intervalMs: 20 },
        );
      },
      startAll: async () => {
        await runCommand(SV, ['up', ...services], { timeoutMs: 120_000 });
      },
      cost: () => {
        let cpuTicks = 0;
        let rssBytes = 0;
        for (const pid of members()) {
          const e = readEntry(pid);
          const pss = readPss(pid);
          if (!e || pss === null) {
            if (pid === proc.pid) return null;
            continue;
          }
          cpuTicks += e.cpuTicks;
          rssBytes += pss;
        }
        return { cpuTicks, rssBytes } satisfies Cost;
      },
      dispose: () =>
        (disposed ??= (async () => {
          members();
          if (isLive(proc.pid)) {
            try {
              process.kill(proc.pid, 'SIGHUP');
            } catch {
              // gone meanwhile
            }
            await waitGone(proc.pid, 10_000);
          }
          // runsv and svlogd do not name the launch directory in their argv: end them by the pids seen.
          await Promise.all(
            [...seen].filter((p) => p !== proc.pid && isLive(p)).map((p) => Reaper.end(p, 10_000)),
          );
          await disposeLaunch(proc.pid, w.dir, this.reaper);
        })()),
    };
  }
}

/** PSS of a process in bytes (its share of pages it shares with others). */
function readPss(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return null;
  }
}

/** One service directory per program; returns their paths. */
function writeServices(w: Workload, svDir: string): string[] {
  fs.mkdirSync(svDir, { recursive: true });
  const out: string[] = [];
  const maxBytes = w.logMaxBytes ?? 10 * 1024 * 1024;
  const service = (name: string, args: string[], logged: boolean): void => {
    const dir = path.join(svDir, name);
    fs.mkdirSync(dir, { recursive: true });
    const quoted = [w.child, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    fs.writeFileSync(path.join(dir, 'run'), `#!/bin/sh\nexec ${quoted} 2>&1\n`, { mode: 0o755 });
    if (w.startPath === 'api') fs.writeFileSync(path.join(dir, 'down'), '');
    if (logged) {
      const logDir = path.join(w.logDir, name);
      fs.mkdirSync(logDir, { recursive: true });
      fs.writeFileSync(path.join(logDir, 'config'), `s${maxBytes}\nn5\n`);
      fs.mkdirSync(path.join(dir, 'log'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'log', 'run'), `#!/bin/sh\nexec ${SVLOGD} '${logDir}'\n`, {
        mode: 0o755,
      });
    } else {
      // Without a log service runsv hands the program its own stdout: send it nowhere, like a sleeper's.
      fs.writeFileSync(path.join(dir, 'run'), `#!/bin/sh\nexec ${quoted} >/dev/null 2>&1\n`, { mode: 0o755 });
    }
    out.push(dir);
  };
  for (let i = 1; i <= w.sleepers; i++) service(`sleeper-${i}`, sleeperArgs(w, i), w.writers !== undefined);
  if (w.spew) service('spew', spewArgs(w), true);
  return out;
}

/** svlogd's rotated files `@<tai64n>.s|.u` (oldest first, by name), then `current`. */
function svlogdSet(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const rotated = names.filter((f) => f.startsWith('@')).sort();
  const out = rotated.map((f) => path.join(dir, f));
  if (names.includes('current')) out.push(path.join(dir, 'current'));
  return out;
}
