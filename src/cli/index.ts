#!/usr/bin/env node
// First: it sets a V8 flag that must be in place before the rest of the CLI loads.
import './heap.js';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/issues.js';
import { VERSION } from '../version.js';
import { addCompletionVerbs } from './completion.js';
import { resolveConfigDir } from './config-dir.js';
import { addEnvHelp } from './env-help.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { reportError } from './report.js';
import { guardStdio } from './stdio.js';
import { addControlVerbs } from './verbs.js';

let managerRunning = false;

/** Build the command tree; every action resolves to an exit code. */
export function buildProgram(setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('nodewarden')
    .description('Runs and watches your blockchain and peer-to-peer nodes')
    .version(VERSION)
    .option(
      '-c, --config <dir>',
      'config directory (default $NODEWARDEN_CONFIG, else ./configs, else /etc/nodewarden)',
    )
    .exitOverride()
    .showHelpAfterError();
  const dir = (): string => resolveConfigDir(program.opts<{ config?: string }>().config);
  const wrap =
    <A extends unknown[]>(fn: (...a: A) => ExitCodeValue | Promise<ExitCodeValue>) =>
    async (...a: A): Promise<void> => {
      try {
        setExit(await fn(...a));
      } catch (err) {
        setExit(reportError(err));
      }
    };

  program
    .command('run')
    .description('run the manager in the foreground')
    // Loaded on use: the daemon's module graph is heavy, and the online verbs must start fast.
    .action(
      wrap(async () => {
        managerRunning = true; // from now on a closed stdout or stderr must not end the process
        return (await import('./commands/run.js')).runCommand(dir());
      }),
    );

  const config = program.command('config').description('check or show the configuration (offline)');
  config
    .command('check')
    .description('validate every config file; list every problem; exit 2 if any')
    .option('--json', 'machine-readable output')
    .action(
      wrap(async (o: { json?: boolean }) => {
        const { configCheck } = await import('./commands/config.js');
        try {
          return configCheck(dir(), Boolean(o.json));
        } catch (err) {
          if (err instanceof ConfigError && o.json) {
            process.stdout.write(JSON.stringify({ ok: false, issues: err.issues }) + '\n');
            return ExitCode.USAGE;
          }
          throw err;
        }
      }),
    );
  config
    .command('schema [file]')
    .description('print the JSON Schema of nodewarden, template, node or target files (default: all four)')
    .action(wrap(async (file?: string) => (await import('./commands/config.js')).configSchemaCommand(file)));
  config
    .command('show <node>')
    .description("print a node's merged, interpolated config (secrets masked)")
    .option('--json', 'the output is JSON already; accepted like on every read verb')
    .action(wrap(async (name: string) => (await import('./commands/config.js')).configShow(dir(), name)));
  program
    .command('alert')
    .description('alerts (offline)')
    .command('test')
    .description('send a test alert through every configured channel; exit 1 if any failed')
    .option('--json', 'machine-readable output')
    .action(
      wrap(async (o: { json?: boolean }) =>
        (await import('./commands/alert-test.js')).alertTest(dir(), Boolean(o.json)),
      ),
    );

  addControlVerbs(program, dir, wrap);
  addCompletionVerbs(program, dir, wrap);
  addEnvHelp(program); // last: every verb registered above gets it
  return program;
}

/** Parse argv, run the verb, exit with its code. */
export async function main(argv: string[]): Promise<ExitCodeValue> {
  guardStdio({ keepRunning: () => managerRunning });
  let code: ExitCodeValue = ExitCode.OK;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    return reportError(err);
  }
  return code;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportError(err);
  },
);
