import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../../src/version.js';
import { Reaper } from '../reaper.js';
import Database from 'better-sqlite3';
import { usage } from '../proc-scan.js';
import { waitFor } from '../time.js';
import { assertLive, disposeLaunch, runCommand, spawnLogged, tail, waitGone } from './spawn.js';
import { sleeperArgs, spewArgs, type Launched, type Manager, type Workload } from './types.js';

/** dist/bench/managers/nodewarden.js → dist/src/cli/index.js (built by `npm run build`). */
export const NODEWARDEN_CLI = fileURLToPath(new URL('../../src/cli/index.js', import.meta.url));
const MiB = 1024 * 1024;

/**
 * nodewarden under test: `nodewarden run --config DIR` in the foreground, one
 * node file of N sleeper instances (and one `spew` node), pacing off
 * (startup.concurrency 0, intervalMs 0), stableSeconds 1, logs 10 MiB × 5.
 * Alerts are off (`alerts.on: []`): supervisord and PM2 send none either.
 */
export class NodewardenManager implements Manager {
  readonly name = 'nodewarden' as const;
  readonly label = 'nodewarden';
  readonly startAllCommand = '`nodewarden start all` (the CLI, nodes with `autostart: false`)';
  readonly notes: string[] = [];
  private intervalMs = 0;
  private cli = NODEWARDEN_CLI;

  /** `cpuProfDir`: every launch writes a V8 CPU profile there (`node --cpu-prof`) when it exits. */
  constructor(
    private readonly reaper: Reaper,
    private readonly cpuProfDir: string | null = null,
  ) {}

  async prepare(root: string): Promise<string> {
    if (!fs.existsSync(NODEWARDEN_CLI))
      throw new Error(`${NODEWARDEN_CLI} is missing: run \`npm run build\``);
    this.cli = snapshotBuild(root);
    // Pacing off means intervalMs 0; older schemas accept only a positive value.
    const dir = fs.mkdtempSync(path.join(root, 'nw-check-'));
    const w: Workload = { dir, child: '/bin/true', stampDir: dir, logDir: dir, sleepers: 1 };
    const cfg = writeConfig(w, 0);
    try {
      await runCommand(process.execPath, [this.cli, 'config', 'check', '--config', cfg], {
        timeoutMs: 30_000,
      });
    } catch (err) {
      if (!String(err).includes('startup.intervalMs')) throw err;
      this.intervalMs = 1;
      this.notes.push(
        'startup.intervalMs 0 is rejected by the config schema ("must be a positive integer"), so the bench uses 1 ms',
      );
    }
    return VERSION;
  }

  async launch(w: Workload): Promise<Launched> {
    const cfg = writeConfig(w, this.intervalMs);
    const consoleLog = path.join(w.dir, 'manager.out');
    const launchedAt = Date.now();
    const prof = this.cpuProfDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          this.cpuProfDir,
          '--cpu-prof-name',
          `${path.basename(w.dir)}.cpuprofile`,
        ]
      : [];
    const proc = spawnLogged(process.execPath, [...prof, this.cli, 'run', '--config', cfg], {
      logFile: consoleLog,
      cwd: w.dir,
    });
    let disposed: Promise<void> | null = null;
    return {
      consoleLog,
      managerPid: async () => proc.pid,
      assertRunning: () => assertLive(proc.pid, 'nodewarden', consoleLog),
      stop: async () => {
        try {
          process.kill(proc.pid, 'SIGTERM');
        } catch {
          throw new Error(`nodewarden (pid ${proc.pid}) is not running:\n${tail(consoleLog)}`);
        }
      },
      waitExit: (ms) => waitGone(proc.pid, ms),
      spewLogFiles: () => rotatedSet(w.logDir, 'spew.log'),
      logFiles: (name) => rotatedSet(w.logDir, `${name}.log`),
      ready: async (timeoutMs) => {
        const sock = path.join(w.dir, 'state', 'nodewarden.sock');
        await waitFor(
          'nodewarden ready (manager_started and its control socket)',
          () => (
            assertLive(proc.pid, 'nodewarden', consoleLog),
            startedAt(consoleLog) !== null && fs.existsSync(sock)
          ),
          { timeoutMs, intervalMs: 20 },
        );
      },
      startAll: async () => {
        await runCommand(process.execPath, [this.cli, 'start', 'all', '--config', cfg], {
          timeoutMs: 180_000,
          cwd: w.dir,
        });
      },
      cost: () => usage(proc.pid),
      countEvents: (type) => {
        const file = path.join(w.dir, 'state', 'nodewarden.db');
        if (!fs.existsSync(file)) return null;
        const db = new Database(file, { readonly: true, fileMustExist: true });
        try {
          const row = db.prepare('SELECT count(*) AS n FROM events WHERE type = ?').get(type) as {
            n: number;
          };
          return row.n;
        } finally {
          db.close();
        }
      },
      dispose: () => (disposed ??= disposeLaunch(proc.pid, w.dir, this.reaper)),
      bootMs: () => {
        const at = startedAt(consoleLog);
        return at === null ? null : at - launchedAt;
      },
    };
  }
}

/** Wall-clock ms of the `manager_started` line in the manager's JSON console log. */
function startedAt(consoleLog: string): number | null {
  let text = '';
  try {
    text = fs.readFileSync(consoleLog, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('manager_started')) continue;
    try {
      const ts = Date.parse((JSON.parse(line) as { timestamp?: string }).timestamp ?? '');
      return Number.isFinite(ts) ? ts : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Copies the build (dist/src + package.json) into the run's temp root, with a
 * symlink to the repository's node_modules, and returns the copied CLI: the
 * whole run measures the build it started with, even if dist/ is rebuilt
 * meanwhile.
 */
function snapshotBuild(root: string): string {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const dest = path.join(root, 'nodewarden');
  fs.cpSync(path.join(repo, 'dist', 'src'), path.join(dest, 'dist', 'src'), { recursive: true });
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(dest, 'package.json'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dest, 'node_modules'));
  return path.join(dest, 'dist', 'src', 'cli', 'index.js');
}

function writeConfig(w: Workload, intervalMs: number): string {
  const cfg = path.join(w.dir, 'configs');
  fs.mkdirSync(path.join(cfg, 'nodes'), { recursive: true });
  const json = (file: string, v: unknown): void =>
    fs.writeFileSync(path.join(cfg, file), JSON.stringify(v, null, 2));
  json('nodewarden.json', {
    stateDir: path.join(w.dir, 'state'),
    logDir: w.logDir,
    templatesDir: path.join(w.dir, 'templates'),
    sampling: { intervalMs: 5000 },
    startup: { concurrency: 0, intervalMs },
    alerts: { on: [] },
  });
  json('template.json', {
    binary: w.child,
    dataDir: path.join(w.dir, 'data', '{{name}}'),
    restart: { policy: 'always', startSeconds: 1, stableSeconds: 1 },
    stop: { signal: 'SIGTERM', graceMs: 10_000 },
    logs: { maxBytes: w.logMaxBytes ?? 10 * MiB, backups: 5, compress: false },
    ...(w.startPath === 'api' ? { autostart: false } : {}),
  });
  if (w.sleepers > 0)
    json('nodes/sleeper.json', { instances: w.sleepers, args: sleeperArgs(w, '{{index}}') });
  if (w.spew) json('nodes/spew.json', { args: spewArgs(w) });
  return cfg;
}

/** `<base>.N … <base>.1, <base>.rotating, <base>`: a size-rotated set, oldest first. */
export function rotatedSet(dir: string, base: string): string[] {
  const numbered: Array<[number, string]> = [];
  let rotating: string | null = null;
  let current: string | null = null;
  for (const f of fs.readdirSync(dir)) {
    if (f === base) current = f;
    else if (f === `${base}.rotating`) rotating = f;
    else {
      const m = new RegExp(`^${base.replace(/\./g, '\\.')}\\.(\\d+)$`).exec(f);
      if (m) numbered.push([Number(m[1]), f]);
    }
  }
  numbered.sort((a, b) => b[0] - a[0]);
  const names = [
    ...numbered.map(([, f]) => f),
    ...(rotating ? [rotating] : []),
    ...(current ? [current] : []),
  ];
  return names.map((f) => path.join(dir, f));
}
