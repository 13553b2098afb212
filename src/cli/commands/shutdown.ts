import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderProgress } from '../render/progress.js';

/** How long `shutdown --wait` waits for the daemon's process to end once it has stopped its nodes. */
const EXIT_BOUND_MS = 30_000;
/** Polling step for that end: a fact outside the protocol (the socket gone, the process gone). */
const POLL_MS = 50;

function accepted(keepNodes: boolean): string {
  return keepNodes
    ? 'nodewarden: shutting down; every node keeps running for the next `nodewarden run` to adopt'
    : 'nodewarden: shutting down; stopping every node';
}

/**
 * `nodewarden shutdown [--keep-nodes] [--wait]`: the daemon answers, then stops
 * every node and exits; with --keep-nodes it exits and leaves every node running
 * for the next `nodewarden run` to adopt (an upgrade of nodewarden itself).
 * With --wait it prints each node's stop steps as they happen, then waits until
 * the daemon has exited (its socket and its process gone) and prints
 * `nodewarden stopped`; with --json, one JSON object a line.
 */
export async function shutdownCommand(
  client: ControlClient,
  keepNodes: boolean,
  json: boolean,
  wait = false,
): Promise<ExitCodeValue> {
  if (!wait) {
    const r = await client.shutdown(keepNodes);
    process.stdout.write((json ? JSON.stringify(r) : accepted(r.keepNodes)) + '\n');
    return ExitCode.OK;
  }
  let pid: number | null = null;
  let done = false;
  await client.shutdownWithProgress(keepNodes, (line) => {
    if (line.type === 'accepted') pid = line.pid;
    if (line.type === 'done') done = true;
    if (json) process.stdout.write(JSON.stringify(line) + '\n');
    else if (line.type === 'accepted') process.stdout.write(accepted(line.keepNodes) + '\n');
    else if (line.type === 'progress') process.stdout.write(renderProgress(line) + '\n');
  });
  if (!done) throw new NodewardenError('E_INTERNAL', 'the daemon ended its shutdown answer early');
  await daemonGone(client, pid);
  process.stdout.write((json ? JSON.stringify({ type: 'exited', pid }) : 'nodewarden stopped') + '\n');
  return ExitCode.OK;
}

/** Resolves once nothing answers on the daemon's socket and its process is gone. */
async function daemonGone(client: ControlClient, pid: number | null): Promise<void> {
  const deadline = Date.now() + EXIT_BOUND_MS;
  for (;;) {
    if (!(await answers(client)) && (pid === null || !alive(pid))) return;
    if (Date.now() > deadline) {
      throw new NodewardenError(
        'E_TIMEOUT',
        `the daemon stopped its nodes but has not exited${pid === null ? '' : ` (pid ${pid})`}`,
        { hint: 'look at nodewarden.log in its logDir' },
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function answers(client: ControlClient): Promise<boolean> {
  try {
    await client.hello();
    return true;
  } catch (err) {
    return !(err instanceof NodewardenError && err.code === 'E_DAEMON_UNREACHABLE');
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
