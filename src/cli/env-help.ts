import type { Command } from 'commander';

/** The environment variables the CLI reads, as the help of every verb lists them. */
export const ENV_HELP = `
Environment:
  NODEWARDEN_CONFIG  config directory when --config is not given (else ./configs, else /etc/nodewarden)
  NO_COLOR           set to print tables without colours on a terminal
  NODEWARDEN_CONTAINMENT
                     run: \`sweep\` contains nodes by process group and session
                     sweep even where cgroup v2 is writable`;

/**
 * Make every command's `--help` name `--config` (shown as a global option)
 * and the environment variables. Called once the whole tree is registered,
 * so verbs added anywhere get it too.
 */
export function addEnvHelp(program: Command): void {
  const walk = (cmd: Command): void => {
    cmd.configureHelp({ ...cmd.configureHelp(), showGlobalOptions: true });
    cmd.addHelpText('after', ENV_HELP);
    cmd.commands.forEach(walk);
  };
  walk(program);
}
