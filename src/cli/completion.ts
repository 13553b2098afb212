/**
 * `nodewarden completion bash|zsh`: a completion script generated from the
 * command tree itself, so every verb, sub-verb and flag registered on the
 * program completes without a list kept by hand. Node names come from the
 * hidden `nodewarden __complete nodes`, which reads the config directory of
 * the command line being completed, found as every verb finds it (no daemon
 * needed).
 */
import { Argument, type Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { NodewardenError } from '../errors.js';
import { EXPORT_KINDS } from '../protocol/types.js';
import { bashScript, COMPLETE_VERB, zshScript, type CompletionEntry } from './completion-scripts.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

type Wrap = <A extends unknown[]>(
  fn: (...a: A) => ExitCodeValue | Promise<ExitCodeValue>,
) => (...a: A) => Promise<void>;

export const SHELLS = ['bash', 'zsh'] as const;

/** Positional arguments whose values are node names (`@nodes`), or names plus `all` (`@targets`). */
const NODE_ARGS: Readonly<Record<string, string>> = { node: '@nodes', names: '@nodes', targets: '@targets' };

/** Positionals that check their values themselves (their messages are part of the contract). */
const KNOWN_VALUES: Readonly<Record<string, readonly string[]>> = {
  kind: EXPORT_KINDS,
  file: ['nodewarden', 'template', 'node', 'target'],
};

/** Every visible command of the tree, depth first, the program itself first. */
export function completionEntries(program: Command): CompletionEntry[] {
  const out: CompletionEntry[] = [];
  const walk = (cmd: Command, at: string): void => {
    const help = cmd.createHelp();
    const commands = help.visibleCommands(cmd).filter((c) => c.name() !== COMPLETE_VERB);
    const options = help.visibleOptions(cmd);
    const flags: string[] = [];
    const valueFlags: string[] = [];
    for (const o of options) {
      for (const f of [o.long, o.short]) {
        if (f === undefined) continue;
        flags.push(f);
        if (o.required || o.optional) valueFlags.push(f);
      }
    }
    out.push({
      path: at,
      subs: commands.map((c) => c.name()),
      flags,
      valueFlags,
      args: argsOf(cmd.registeredArguments),
    });
    for (const c of commands) {
      // The implicit `help` command has no tree of its own worth walking.
      if (c.name() !== 'help') walk(c, at === '' ? c.name() : `${at} ${c.name()}`);
    }
  };
  walk(program, '');
  // The program's own options (--config …) are taken after any verb too.
  const root = out[0]!;
  return out.map((e) =>
    e === root
      ? e
      : { ...e, flags: union(e.flags, root.flags), valueFlags: union(e.valueFlags, root.valueFlags) },
  );
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function argsOf(args: readonly Argument[]): CompletionEntry['args'] {
  const first = args[0];
  if (first === undefined) return null;
  const max = args.some((a) => a.variadic) ? '*' : args.length;
  const name = first.name();
  const words = first.argChoices ?? KNOWN_VALUES[name] ?? (NODE_ARGS[name] ? [NODE_ARGS[name]] : []);
  return { max, words: [...words] };
}

/** The script for one shell, generated from `program`'s command tree. */
export function completionScript(program: Command, shell: string): string {
  const entries = completionEntries(program);
  if (shell === 'bash') return bashScript(entries);
  if (shell === 'zsh') return zshScript(entries);
  throw new NodewardenError(
    'E_BAD_REQUEST',
    `completion: expected bash or zsh, got ${JSON.stringify(shell)}`,
  );
}

/**
 * The configured node names, read straight from the node files (DESIGN §1:
 * `nodes/<file>.json`, `instances: N` → `<file>-1 … <file>-N`), without
 * validating or interpolating anything: a completion must answer at once,
 * even for a config that `config check` would refuse.
 */
export function configuredNodeNames(configDir: string): string[] {
  const template = readJsonObject(path.join(configDir, 'template.json'));
  let files: string[];
  try {
    files = fs.readdirSync(path.join(configDir, 'nodes')).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const file of files.sort()) {
    const base = file.slice(0, -'.json'.length);
    const own = readJsonObject(path.join(configDir, 'nodes', file));
    // The node file's `instances` replaces the template's; `null` deletes it (DESIGN §1 merge).
    const n = own !== null && 'instances' in own ? own['instances'] : template?.['instances'];
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1000) {
      for (let i = 1; i <= n; i++) names.push(`${base}-${i}`);
    } else names.push(base);
  }
  return names;
}

function readJsonObject(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Register `completion <shell>` and the hidden `__complete nodes` it calls back into. */
export function addCompletionVerbs(program: Command, dir: () => string, wrap: Wrap): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(nodewarden completion bash)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .action(
      wrap((shell: string) => {
        process.stdout.write(completionScript(program, shell));
        return ExitCode.OK;
      }),
    );
  program
    .command(`${COMPLETE_VERB} <what>`, { hidden: true })
    .description('print completion words (nodes: the configured node names)')
    .action(
      wrap((what: string) => {
        if (what !== 'nodes') {
          throw new NodewardenError(
            'E_BAD_REQUEST',
            `${COMPLETE_VERB}: expected nodes, got ${JSON.stringify(what)}`,
          );
        }
        // The config directory as every verb finds it (--config, $NODEWARDEN_CONFIG, ./configs,
        // /etc/nodewarden); none there is no names, not an error in the middle of a command line.
        let configDir: string;
        try {
          configDir = dir();
        } catch (err) {
          if (err instanceof NodewardenError && err.code === 'E_CONFIG_INVALID') return ExitCode.OK;
          throw err;
        }
        const names = configuredNodeNames(configDir);
        if (names.length > 0) process.stdout.write(names.join('\n') + '\n');
        return ExitCode.OK;
      }),
    );
}
