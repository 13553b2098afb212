import { controlServerOf } from '../../api/server.js';
import { startDaemon, type Daemon } from '../../daemon.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/**
 * `nodewarden run`: the manager in the foreground. SIGTERM, SIGINT and SIGUSR1
 * stop every node in parallel and exit 0; a second one kills every node's tree
 * at once. SIGHUP reloads the configuration. With a TCP listener, the first
 * line on stdout (the log goes to stderr) is the status page's URL with its
 * token, for the operator to open.
 *
 * The handlers are in place before the manager is assembled: a stop signal
 * that arrives while it boots (loading the config, adopting survivors,
 * launching a large fleet) is acted on once it is up, instead of ending the
 * process at once and leaving every node it already launched unsupervised.
 */
export async function runCommand(configDir: string): Promise<ExitCodeValue> {
  let daemon: Daemon | null = null;
  let signals = 0;
  let early: NodeJS.Signals | null = null;
  const onStop = (sig: NodeJS.Signals): void => {
    signals++;
    if (daemon === null) {
      early ??= sig;
      return;
    }
    if (signals === 1) {
      daemon.logger.info(`${sig}: stopping every node`);
      void daemon.stop();
    } else {
      daemon.logger.warn(`${sig} again: killing every node now`);
      daemon.kill();
    }
  };
  let hupWhileBooting = false;
  const onHup = (): void => {
    if (daemon === null) {
      hupWhileBooting = true;
      return;
    }
    daemon.logger.info('SIGHUP: reloading the configuration');
    const d = daemon;
    d.reload().then(
      (r) => {
        if (!r.ok) d.logger.error(`reload refused, old config keeps running:\n  ${r.problems.join('\n  ')}`);
      },
      (err: unknown) => d.logger.error('reload failed', { error: String(err) }),
    );
  };
  const stopSignals = ['SIGTERM', 'SIGINT', 'SIGUSR1'] as const;
  for (const sig of stopSignals) process.on(sig, onStop);
  process.on('SIGHUP', onHup);
  const release = (): void => {
    for (const sig of stopSignals) process.off(sig, onStop);
    process.off('SIGHUP', onHup);
  };
  let d: Daemon;
  try {
    d = await startDaemon({ configDir });
  } catch (err) {
    release();
    throw err;
  }
  daemon = d;
  if (early !== null) {
    // Stopped while booting: stop now (a second signal meanwhile means kill).
    d.logger.info(`${early}: received while starting; stopping every node`);
    void d.stop();
    if (signals > 1) {
      d.logger.warn(`${early} again: killing every node now`);
      d.kill();
    }
  } else {
    const pageUrl = controlServerOf(d)?.pageUrl;
    if (pageUrl) process.stdout.write(`status page: ${pageUrl}\n`);
    if (hupWhileBooting) onHup();
  }
  await d.stopped;
  release();
  return ExitCode.OK;
}
