#!/usr/bin/env node
/**
 * sim-node: a fake blockchain node, used as nodewarden's demo fleet and as the
 * fixture of its integration tests. It serves a height API on 127.0.0.1 and
 * misbehaves on request (crash, stall, lag, leak, ignore SIGTERM, ...).
 *
 * Stdout protocol, one line each, in this order:
 *   GRANDCHILD pid=<n>            with --spawn-child, once the grandchild is up
 *   DAEMON pid=<n>                with --spawn-daemon, once the double-forked daemon is up
 *   READY pid=<pid> port=<port>   the HTTP server listens and every handler is set
 * then, as they happen: `stopping`, `SIGTERM ignored`, `CRASH code=<n>`,
 * `PORT CLOSED`, `GRANDCHILD SLEEPER SIGTERM ignored`, `SPEW DONE lines=<n>`,
 * log lines and spew lines. Usage errors go to stderr with exit code 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { derivePeerId, type SimIdentity } from './api.js';
import { parseSimArgs, SIM_USAGE, SimUsageError, type SimOptions } from './args.js';
import { HeightModel, loadOrCreateChainFile, type HeightReading } from './chain.js';
import { startBurn, startLeak } from './faults.js';
import { spawnGrandchild } from './grandchild.js';
import { say, sayAndExit, startChaosLines, startLogEvery, startSpew } from './output.js';
import { startServer, type SimServer } from './server.js';

function fail(message: string, code: number): never {
  process.stderr.write(`sim-node: ${message}\n`);
  process.exit(code);
}

/** SIGTERM/SIGINT: `stopping`, then exit 0 after --stop-delay; or just report with --ignore-sigterm. */
function installSignals(opts: SimOptions): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return; // already on the way out; the delay runs once
    stopping = true;
    say('stopping');
    setTimeout(() => sayAndExit('stopped', 0), opts.stopDelayMs);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', opts.ignoreSigterm ? () => say('SIGTERM ignored') : stop);
}

function writePortFile(file: string, port: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${port}\n`);
  fs.renameSync(tmp, file);
}

/** The timed behaviours, all counted from READY so READY is always printed first. */
function startBehaviours(opts: SimOptions, server: SimServer, model: HeightModel, who: SimIdentity): void {
  if (opts.crashAfter) {
    const { ms, code } = opts.crashAfter;
    setTimeout(() => sayAndExit(`CRASH code=${code}`, code), ms);
  }
  if (opts.closePortAfterMs !== null) {
    setTimeout(() => {
      server.close();
      say('PORT CLOSED');
    }, opts.closePortAfterMs);
  }
  if (opts.leakMbPerS > 0) startLeak(opts.leakMbPerS, opts.leakMaxMb);
  if (opts.burnCpuPercent > 0) startBurn(opts.burnCpuPercent);
  if (opts.logEveryMs !== null) {
    startLogEvery(opts.logEveryMs, () => {
      const r = model.at(Date.now());
      return `sim[${who.name}] height=${r.height} tip=${r.tip} peers=${who.peers}`;
    });
  }
  if (opts.spew) startSpew(opts.spewLines);
  if (opts.chaosLinesMs !== null) {
    const seqFile = opts.seqDir === null ? null : path.join(opts.seqDir, `${opts.name}.${process.pid}`);
    const lines = startChaosLines(opts.name, opts.chaosLinesMs, seqFile);
    // Recorded on a polite stop and on every exit; only a kill -9 leaves the file behind.
    process.on('SIGTERM', lines.record);
    process.on('exit', lines.record);
  }
}

/**
 * The height source: the model, except that while `stallFile` exists the height
 * stands where it was when the file appeared (the tip goes on); once the file
 * is gone the node is back at the model's height.
 */
function heightSource(model: HeightModel, stallFile: string | null): () => HeightReading {
  if (stallFile === null) return () => model.at(Date.now());
  let frozen: number | null = null;
  return () => {
    const r = model.at(Date.now());
    if (!fs.existsSync(stallFile)) {
      frozen = null;
      return r;
    }
    frozen ??= r.height;
    return { height: frozen, tip: r.tip };
  };
}

async function main(): Promise<void> {
  let opts: SimOptions;
  try {
    opts = parseSimArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof SimUsageError) fail(`${err.message}\n${SIM_USAGE}`, 2);
    throw err;
  }
  if (opts.help) return say(SIM_USAGE);
  if (opts.exitAtStart !== null)
    fail(`exiting at start with code ${opts.exitAtStart} (--exit-at-start)`, opts.exitAtStart);

  const startMs = Date.now();
  // The process stays alive even after --close-port-after closes the server.
  setInterval(() => {}, 1 << 30);
  installSignals(opts);

  let model: HeightModel;
  try {
    const chain =
      opts.chainFile === null ? null : loadOrCreateChainFile(opts.chainFile, opts.blockMs, startMs);
    model = new HeightModel(opts, startMs, chain);
  } catch (err) {
    fail((err as Error).message, err instanceof SimUsageError ? 2 : 1);
  }
  const who: SimIdentity = {
    name: opts.name,
    peerId: derivePeerId(opts.name, opts.id),
    peers: opts.peers,
    ...(opts.version !== null ? { version: opts.version } : {}),
  };

  if (opts.spawnChild) say(`GRANDCHILD pid=${await spawnGrandchild(opts.ignoreSigterm)}`);
  if (opts.spawnDaemon) say(`DAEMON pid=${await spawnGrandchild(opts.ignoreSigterm, { daemon: true })}`);
  let server: SimServer;
  try {
    server = await startServer(opts.port, who, heightSource(model, opts.stallFile));
  } catch (err) {
    fail(`cannot listen on 127.0.0.1:${opts.port}: ${(err as Error).message}`, 1);
  }
  if (opts.portFile !== null) writePortFile(opts.portFile, server.port);
  say(`READY pid=${process.pid} port=${server.port}`);
  startBehaviours(opts, server, model, who);
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1));
