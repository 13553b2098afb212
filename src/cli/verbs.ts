import { Argument, type Command } from 'commander';
import { ACTION_VERBS, type ActionVerb } from '../protocol/types.js';
import { actionCommand, type ActionOptions } from './commands/action.js';
import { eventsCommand, type EventsOptions } from './commands/events.js';
import { exportCommand, type ExportOptions } from './commands/export.js';
import type { ImportOptions } from './commands/import.js';
import { logsTargetsCommand, type LogsManyOptions } from './commands/logs-many.js';
import { reloadCommand } from './commands/reload.js';
import { shutdownCommand } from './commands/shutdown.js';
import { statusCommand } from './commands/status.js';
import { statusWatchCommand } from './commands/status-watch.js';
import { checkHistoryFlags, statusHistoryCommand } from './commands/status-history.js';
import { uptimeCommand } from './commands/uptime.js';
import { uptimeRankCommand } from './commands/uptime-rank.js';
import { upgradeCommand, type UpgradeOptions } from './commands/upgrade.js';
import { connect } from './connect.js';
import type { ExitCodeValue } from './exit-codes.js';

type Wrap = <A extends unknown[]>(
  fn: (...a: A) => ExitCodeValue | Promise<ExitCodeValue>,
) => (...a: A) => Promise<void>;

type StatusOptions = {
  json?: boolean;
  watch?: boolean;
  interval?: string;
  history?: boolean;
  since?: string;
  wide?: boolean;
};

const ACTION_HELP: Readonly<Record<ActionVerb, string>> = {
  start: 'start nodes (names, globs or all)',
  stop: 'stop nodes gracefully (names, globs or all)',
  restart: 'restart nodes (names, globs or all)',
  hold: 'suspend every automatic action on nodes (maintenance)',
  release: 'end a hold',
};

/**
 * The verbs that talk to a running daemon over its socket (DESIGN §6), and
 * `logs`, which reads the log files itself, and `import`, which writes node
 * files into the config dir without a daemon. `dir` resolves the config dir.
 */
export function addControlVerbs(program: Command, dir: () => string, wrap: Wrap): void {
  program
    .command('status [names...]')
    .description('show every node (or the named ones; globs allowed)')
    .option('--json', 'print the NodeStatus array')
    .option(
      '-w, --watch',
      'redraw every interval until interrupted (not a terminal: one snapshot after another)',
    )
    .option('--interval <duration>', 'with --watch: time between snapshots (default 2s)')
    .option('--wide', 'add the reference height, version, peers and peer id columns')
    .option('--history', "the named nodes' history: a sparkline per series, the state timeline, restarts")
    .option('--since <time>', 'with --history: window of the series (default 1h)')
    .action(
      wrap((names: string[], o: StatusOptions) => {
        checkHistoryFlags(o);
        if (o.history) return statusHistoryCommand(connect(dir()), names, o);
        if (o.watch) return statusWatchCommand(connect(dir()), names, o);
        return statusCommand(connect(dir()), names, Boolean(o.json), Boolean(o.wide));
      }),
    );

  for (const verb of ACTION_VERBS) {
    const cmd = program
      .command(`${verb} <targets...>`)
      .description(ACTION_HELP[verb])
      .option('--json', 'print the per-target results as JSON');
    if (verb === 'start' || verb === 'stop' || verb === 'restart') {
      cmd
        .option(
          '--wait',
          verb === 'stop'
            ? "wait until each node is stopped, printing each node's stop as it happens"
            : 'wait until each node is running',
        )
        .option(
          '--timeout <time>',
          'give up waiting after this long: seconds, or 90s, 2m … (implies --wait; exit 4)',
        );
    }
    if (verb === 'restart') {
      cmd
        .option('--parallel <n>', 'sync groups rolling at once (default startup.concurrency; 0 = no limit)')
        .option('--now', 'restart every node at once instead of rolling through each sync group');
    }
    cmd.action(
      wrap((targets: string[], o: ActionOptions) => actionCommand(connect(dir()), verb, targets, o)),
    );
  }

  program
    .command('upgrade <targets...>')
    .description(
      "apply the nodes' pending config change as a rolling restart; roll back a node that fails its gate",
    )
    .option(
      '--expect-version <v>',
      'with a version probe, the gate wants this version (semver) instead of any new one',
    )
    .option('--parallel <n>', 'sync groups rolling at once (default startup.concurrency; 0 = no limit)')
    .option('--json', 'print each step and the results as JSON lines')
    .action(wrap((targets: string[], o: UpgradeOptions) => upgradeCommand(connect(dir()), targets, o)));

  program
    .command('reload')
    .description('re-read every config file; apply only if all of it is valid')
    .option('--json', 'print the reload result as JSON')
    .option('--dry-run', 'print what a reload would do to each node, change nothing')
    .action(
      wrap((o: { json?: boolean; dryRun?: boolean }) =>
        reloadCommand(connect(dir()), Boolean(o.json), Boolean(o.dryRun)),
      ),
    );

  program
    .command('logs <targets...>')
    .description(
      'print nodes\' logs (names, globs or all; several are interleaved behind "name | "); reads the files, works with the daemon down',
    )
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('-n, --lines <n>', 'how many of the last lines of each node (default 100)')
    .option('--prefix', 'put "name | " in front of the lines of one node named alone too')
    .option('-t, --timestamps', 'show the arrival time logs.timestamps writes in front of each line')
    .option(
      '--json',
      'one node: {node, lines} (with -f one JSON string per line); several: {nodes: {name: lines}} (with -f one {node, line} per line)',
    )
    .action(wrap((targets: string[], o: LogsManyOptions) => logsTargetsCommand(dir(), targets, o)));

  program
    .command('events')
    .description('show recorded events, oldest first')
    .option('--node <name>', "only this node (or the nodes a glob matches: 'ant-*')")
    .option('--type <types>', 'only these event types (comma-separated)')
    .option('--since <when>', 'only since then: 30m, 24h, 7d, or an ISO time')
    .option('--limit <k>', 'at most the last k events (default 100)')
    .option('--json', 'print the events as JSON, oldest first too (with -f: one JSON object per line)')
    .option('-f, --follow', 'then print each new event as it is recorded, until interrupted')
    .action(wrap((o: EventsOptions) => eventsCommand(connect(dir()), o)));

  program
    .command('uptime [names...]')
    .description('uptime % per node (or the named ones; globs allowed), worst first')
    .option('--since <when>', 'window: 24h (default), 7d, 30d …')
    .option('--json', 'print the uptime rows as JSON')
    .option(
      '--rank',
      'rank nodes and targets best first: by uptime, then median probe latency, with the records behind each',
    )
    .action(
      wrap((names: string[], o: { since?: string; json?: boolean; rank?: boolean }) =>
        o.rank
          ? uptimeRankCommand(connect(dir()), o.since, Boolean(o.json), names)
          : uptimeCommand(connect(dir()), o.since, Boolean(o.json), names),
      ),
    );

  program
    .command('export <kind>')
    .description('export events, uptime or samples (columns in src/store/EXPORTS.md)')
    .option('--format <format>', 'csv (default) or json')
    .option('--since <when>', 'window start: 24h, 7d … (default: events all, others 24h)')
    .option('--node <name>', "only this node (or the nodes a glob matches: 'ant-*')")
    .option('--resolution <r>', 'samples: raw or minute (default)')
    .option('--json', 'same as --format json')
    .action(wrap((kind: string, o: ExportOptions) => exportCommand(connect(dir()), kind, o)));

  program
    .command('import')
    .addArgument(
      new Argument('<kind>', 'where the definitions come from').choices(['systemd', 'supervisord', 'pm2']),
    )
    .argument('<files...>', 'unit files, supervisord conf files or PM2 ecosystem files')
    .description(
      'write node files from systemd units, supervisord programs or a PM2 ecosystem (kind: systemd, supervisord, pm2); works without the daemon',
    )
    .option('--dry-run', 'print the files it would write and what cannot be mapped; write nothing')
    .option(
      '--instances <list>',
      'systemd: instances of a template unit named as name@.service (1..20 or 1,2,5)',
    )
    .option('--env <name>', "pm2: apply the apps' env_<name> on top of env")
    // Loaded on use, like the config verbs: the online verbs must start fast.
    .action(
      wrap(async (kind: string, files: string[], o: ImportOptions) =>
        (await import('./commands/import.js')).importCommand(dir(), kind, files, o),
      ),
    );

  program
    .command('shutdown')
    .description('stop every node and the daemon')
    .option('--keep-nodes', 'exit and leave every node running (for an upgrade of nodewarden)')
    .option('--wait', "print each node's stop as it happens; return once the daemon has exited")
    .option('--json', 'print the reply as JSON (with --wait: one JSON object a line)')
    .action(
      wrap((o: { keepNodes?: boolean; json?: boolean; wait?: boolean }) =>
        shutdownCommand(connect(dir()), Boolean(o.keepNodes), Boolean(o.json), Boolean(o.wait)),
      ),
    );
}
