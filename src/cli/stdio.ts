/**
 * nodewarden never dies of its own output. Without a listener, an error on
 * stdout or stderr (EPIPE once the reader of a pipe is gone, as in
 * `nodewarden run | head`) is thrown and ends the process, and with the
 * manager its supervision. With these listeners the output just stops: the
 * manager goes on supervising (its logger counts and silences the console);
 * a read verb whose reader went away ends quietly, as `head` expects.
 */
export function guardStdio(opts: { keepRunning: () => boolean }): void {
  process.stderr.on('error', () => undefined); // nowhere left to report it
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (opts.keepRunning()) return;
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
