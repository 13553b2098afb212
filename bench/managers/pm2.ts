import fs from 'node:fs';
import path from 'node:path';
import { CHILD_COMM, countStamps } from '../child.js';
import { countLive, isLive, usage } from '../proc-scan.js';
import { Reaper } from '../reaper.js';
import { waitFor } from '../time.js';
import { assertLive, disposeLaunch, runCommand, waitGone } from './spawn.js';
import { sleeperArgs, spewArgs, type Launched, type Manager, type Workload } from './types.js';

/** The PM2 release line installed (engines: node >= 18). */
export const PM2_SPEC = 'pm2@7';

/**
 * PM2 under test, installed from npm into the run's temp root (never a project
 * dependency). Every call runs with PM2_HOME in the launch directory, so ~/.pm2
 * is never touched; the launch ends with `pm2 kill` and then by pid. Apps run
 * the binary directly (`interpreter: none`, fork mode) with SIGTERM as stop
 * signal (PM2_KILL_SIGNAL) and PM2's defaults otherwise (restart_delay 0, CONCURRENT_ACTIONS 2),
 * except `vizion: false` (no git metadata lookup per app).
 */
export class Pm2Manager implements Manager {
  readonly name = 'pm2' as const;
  readonly label = 'PM2';
  readonly startAllCommand =
    '`pm2 start all` of the app list after `pm2 start ecosystem.json` + `pm2 stop all`';
  readonly notes: string[] = [];
  private bin = '';

  constructor(private readonly reaper: Reaper) {}

  async prepare(root: string): Promise<string> {
    const prefix = path.join(root, 'pm2-prefix');
    fs.mkdirSync(prefix, { recursive: true });
    await runCommand(
      'npm',
      ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', PM2_SPEC],
      { timeoutMs: 300_000, cwd: prefix },
    );
    const pkg = path.join(prefix, 'node_modules', 'pm2', 'package.json');
    this.bin = path.join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
    // Read the version from the package: `pm2 --version` would start a daemon.
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  }

  async launch(w: Workload): Promise<Launched> {
    const home = path.join(w.dir, 'pm2home');
    fs.mkdirSync(home, { recursive: true });
    // PM2 7 reads the stop signal from PM2_KILL_SIGNAL (default SIGINT), not from the app config.
    const env = { ...process.env, PM2_HOME: home, PM2_KILL_SIGNAL: 'SIGTERM' };
    const pm2 = (args: string[], timeoutMs = 120_000) =>
      runCommand(process.execPath, [this.bin, ...args], { env, timeoutMs, cwd: w.dir });
    const consoleLog = path.join(home, 'pm2.log');
    const pidFile = path.join(home, 'pm2.pid');
    const readPid = (): number | null => {
      try {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
        return pid > 0 ? pid : null;
      } catch {
        return null;
      }
    };
    let godPid: number | null = null;
    const managerPid = async (timeoutMs = 30_000): Promise<number> =>
      (godPid ??= await waitFor('the PM2 daemon pid file', readPid, { timeoutMs, intervalMs: 10 }));

    try {
      if (w.spew) await this.enableLogrotate(pm2);
      const eco = path.join(w.dir, 'ecosystem.json');
      fs.writeFileSync(eco, JSON.stringify({ apps: apps(w) }, null, 2));
      await pm2(['start', eco], 300_000);
      if (w.startPath === 'api') {
        // PM2 has no stopped-at-boot app list that `pm2 start all` starts: the closest is a list started,
        // then stopped (`pm2 stop all`); the stamps of that first start are cleared.
        await waitFor(
          `${w.sleepers} children started`,
          () => countStamps(w.stampDir, 'start') >= w.sleepers,
          {
            timeoutMs: 300_000,
          },
        );
        await pm2(['stop', 'all'], 300_000);
        await waitFor('every child stopped', () => countLive(CHILD_COMM, w.dir) === 0, {
          timeoutMs: 120_000,
        });
        for (const f of fs.readdirSync(w.stampDir)) fs.rmSync(path.join(w.stampDir, f), { force: true });
      }
    } catch (err) {
      // A daemon may be up already (started by the failed command): end it now.
      await disposeLaunch(readPid(), w.dir, this.reaper);
      throw err;
    }

    let disposed: Promise<void> | null = null;
    return {
      consoleLog,
      managerPid,
      assertRunning: () => {
        const pid = godPid ?? readPid();
        if (pid !== null) assertLive(pid, 'the PM2 daemon', consoleLog);
      },
      stop: async () => {
        godPid ??= readPid();
        await pm2(['kill'], 120_000);
      },
      waitExit: async (ms) => {
        const pid = godPid ?? readPid();
        return pid === null ? true : waitGone(pid, ms);
      },
      spewLogFiles: () => pm2LogSet(w.logDir, 'spew'),
      logFiles: (name) => pm2LogSet(w.logDir, name),
      // `pm2 start ecosystem.json` has returned: the daemon holds every app, stopped.
      ready: async (timeoutMs) => void (await managerPid(timeoutMs)),
      startAll: async () => void (await pm2(['start', 'all'], 600_000)),
      cost: () => {
        const pid = godPid ?? readPid();
        return pid === null ? null : usage(pid);
      },
      dispose: () =>
        (disposed ??= (async () => {
          const pid = godPid ?? readPid();
          if (pid !== null && isLive(pid)) await pm2(['kill'], 60_000).catch(() => undefined);
          await disposeLaunch(pid, w.dir, this.reaper);
        })()),
    };
  }

  /** Size rotation for the log scenario: the pm2-logrotate module, if npm can install it. */
  private async enableLogrotate(pm2: (a: string[], t?: number) => Promise<unknown>): Promise<void> {
    try {
      await pm2(['install', 'pm2-logrotate'], 300_000);
      for (const [k, v] of [
        ['max_size', '10M'],
        ['retain', '5'],
        ['compress', 'false'],
        ['workerInterval', '1'],
      ]) {
        await pm2(['set', `pm2-logrotate:${k}`, v]);
      }
      const note =
        'logs rotated by the pm2-logrotate module (max_size 10M, retain 5, size checked every 1 s, copy + truncate)';
      if (!this.notes.includes(note)) this.notes.push(note);
    } catch (err) {
      const note = `PM2 ran WITHOUT log rotation: pm2-logrotate could not be installed (${String(err).split('\n')[0]})`;
      if (!this.notes.includes(note)) this.notes.push(note);
    }
  }
}

function apps(w: Workload): object[] {
  const common = {
    script: w.child,
    interpreter: 'none',
    exec_mode: 'fork',
    autorestart: true,
    vizion: false,
    merge_logs: true,
  };
  const out: object[] = [];
  for (let i = 1; i <= w.sleepers; i++) {
    out.push({
      ...common,
      name: `sleeper-${i}`,
      args: sleeperArgs(w, i),
      out_file: path.join(w.logDir, `sleeper-${i}.log`),
      error_file: path.join(w.logDir, `sleeper-${i}.err.log`),
    });
  }
  if (w.spew) {
    out.push({
      ...common,
      name: 'spew',
      args: spewArgs(w),
      out_file: path.join(w.logDir, 'spew.log'),
      error_file: path.join(w.logDir, 'spew.err.log'),
    });
  }
  return out;
}

/** pm2-logrotate names rotated files `<name>__<date>.log`; oldest first, current last. */
function pm2LogSet(dir: string, name: string): string[] {
  const rotated = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${name}__`) && f.endsWith('.log'))
    .sort();
  const out = rotated.map((f) => path.join(dir, f));
  const current = path.join(dir, `${name}.log`);
  if (fs.existsSync(current)) out.push(current);
  return out;
}
