import { controlServerOf } from '../../api/server.js';
import { startDaemon } from '../../daemon.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/**
 * `nodewarden run`: the manager in the foreground. SIGTERM, SIGINT and SIGUSR1
 * stop every node in parallel and exit 0; a second one kills every node's tree
 * at once. SIGHUP reloads the configuration. With a TCP listener, the first
 * line on stdout (the log goes to stderr) is the status page's URL with its
 * token, for the operator to open.
 */
export async function runCommand(configDir: string): Promise<ExitCodeValue> {
  const daemon = await startDaemon({ configDir });
  const pageUrl = controlServerOf(daemon)?.pageUrl;
  if (pageUrl) process.stdout.write(`status page: ${pageUrl}\n`);
  let signals = 0;
  const onStop = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      daemon.logger.info(`${sig}: stopping every node`);
      void daemon.stop();
    } else {
      daemon.logger.warn(`${sig} again: killing every node now`);
      daemon.kill();
    }
  };
  const onHup = (): void => {
    daemon.logger.info('SIGHUP: reloading the configuration');
    daemon.reload().then(
      (r) => {
        if (!r.ok)
          daemon.logger.error(`reload refused, old config keeps running:\n  ${r.problems.join('\n  ')}`);
      },
      (err: unknown) => daemon.logger.error('reload failed', { error: String(err) }),
    );
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGUSR1'] as const) process.on(sig, onStop);
  process.on('SIGHUP', onHup);
  await daemon.stopped;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGUSR1'] as const) process.off(sig, onStop);
  process.off('SIGHUP', onHup);
  return ExitCode.OK;
}
