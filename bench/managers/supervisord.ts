import fs from 'node:fs';
import path from 'node:path';
import { Reaper } from '../reaper.js';
import { aptInstall, assertLive, disposeLaunch, runCommand, spawnLogged, tail, waitGone } from './spawn.js';
import { rotatedSet } from './nodewarden.js';
import { usage } from '../proc-scan.js';
import { waitFor } from '../time.js';
import { sleeperArgs, spewArgs, type Launched, type Manager, type Workload } from './types.js';

const BINARY = '/usr/bin/supervisord';
const CTL = '/usr/bin/supervisorctl';

/**
 * supervisord under test: Debian's package (installed with apt-get when
 * missing), run in the foreground (`-n`) on a private config, socket, pid file
 * and log directory. One [program] with numprocs=N sleepers, startsecs=0,
 * autorestart, logs 10MB × 5 like nodewarden's.
 */
export class SupervisordManager implements Manager {
  readonly name = 'supervisord' as const;
  readonly label = 'supervisord';
  readonly startAllCommand = '`supervisorctl start all` (programs with `autostart=false`)';
  readonly notes: string[] = [];

  constructor(private readonly reaper: Reaper) {}

  async prepare(): Promise<string> {
    if (!fs.existsSync(BINARY)) {
      await aptInstall(['supervisor']);
      this.notes.push(
        'installed with apt-get (the Debian package may also have started its own system service, which the bench does not use)',
      );
    }
    const { stdout, stderr } = await runCommand(BINARY, ['--version'], { timeoutMs: 30_000 });
    return (stdout || stderr).trim();
  }

  async launch(w: Workload): Promise<Launched> {
    const conf = writeConf(w);
    const consoleLog = path.join(w.dir, 'supervisord.out');
    const proc = spawnLogged(BINARY, ['-n', '-c', conf], { logFile: consoleLog, cwd: w.dir });
    let disposed: Promise<void> | null = null;
    return {
      consoleLog,
      managerPid: async () => proc.pid,
      assertRunning: () => assertLive(proc.pid, 'supervisord', consoleLog),
      stop: async () => {
        try {
          process.kill(proc.pid, 'SIGTERM');
        } catch {
          throw new Error(`supervisord (pid ${proc.pid}) is not running:\n${tail(consoleLog)}`);
        }
      },
      waitExit: (ms) => waitGone(proc.pid, ms),
      spewLogFiles: () => rotatedSet(w.logDir, 'spew.log'),
      logFiles: (name) => rotatedSet(w.logDir, `${name}.log`),
      ready: async (timeoutMs) => {
        // Answers on its socket once every program is loaded (all STOPPED on this path).
        await waitFor(
          'supervisord answering on its socket',
          async () => {
            assertLive(proc.pid, 'supervisord', consoleLog);
            if (!fs.existsSync(path.join(w.dir, 'supervisor.sock'))) return false;
            return runCommand(CTL, ['-c', conf, 'pid'], { timeoutMs: 30_000 }).then(
              () => true,
              () => false,
            );
          },
          { timeoutMs, intervalMs: 100 },
        );
      },
      startAll: async () => {
        // supervisorctl exits 1 when any program failed to start; the stamps say what happened.
        await runCommand(CTL, ['-c', conf, 'start', 'all'], { timeoutMs: 600_000 }).catch((err: Error) => {
          if (!/exit code 1|failed: Command failed/.test(err.message)) throw err;
        });
      },
      cost: () => usage(proc.pid),
      dispose: () => (disposed ??= disposeLaunch(proc.pid, w.dir, this.reaper)),
    };
  }
}

function writeConf(w: Workload): string {
  const sock = path.join(w.dir, 'supervisor.sock');
  const childLogs = path.join(w.dir, 'childlogs');
  fs.mkdirSync(childLogs, { recursive: true });
  const program = (name: string, command: string, extra: string[]): string[] => [
    `[program:${name}]`,
    `command=${command}`,
    ...extra,
    `autostart=${w.startPath === 'api' ? 'false' : 'true'}`,
    'autorestart=true',
    'startsecs=0',
    'startretries=3',
    'stopsignal=TERM',
    'stopwaitsecs=10',
    'redirect_stderr=true',
    `stdout_logfile_maxbytes=${w.logMaxBytes ?? '10MB'}`,
    'stdout_logfile_backups=5',
    '',
  ];
  const lines = [
    '[supervisord]',
    'nodaemon=true',
    `logfile=${path.join(w.dir, 'supervisord.log')}`,
    `pidfile=${path.join(w.dir, 'supervisord.pid')}`,
    `childlogdir=${childLogs}`,
    'minfds=4096',
    ...(process.getuid?.() === 0 ? ['user=root'] : []),
    '',
    '[unix_http_server]',
    `file=${sock}`,
    'chmod=0700',
    '',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
    '',
    '[supervisorctl]',
    `serverurl=unix://${sock}`,
    '',
  ];
  if (w.sleepers > 0) {
    lines.push(
      ...program('sleeper', [w.child, ...sleeperArgs(w, '%(process_num)d')].join(' '), [
        'process_name=%(program_name)s-%(process_num)d',
        `numprocs=${w.sleepers}`,
        'numprocs_start=1',
        `stdout_logfile=${path.join(w.logDir, '%(program_name)s-%(process_num)d.log')}`,
      ]),
    );
  }
  if (w.spew) {
    lines.push(
      ...program('spew', [w.child, ...spewArgs(w)].join(' '), [
        `stdout_logfile=${path.join(w.logDir, 'spew.log')}`,
      ]),
    );
  }
  const file = path.join(w.dir, 'supervisord.conf');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}
