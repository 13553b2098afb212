import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { runCommand, spawnLogged, tail, waitGone } from '../managers/spawn.js';
import { Reaper } from '../reaper.js';
import { summarize, type Summary } from '../stats.js';
import { sleep, waitFor } from '../time.js';

/** Scenario 6: a watch-only fleet. */
export interface TargetFleetResult {
  readonly targets: number;
  readonly flapping: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly seconds: number;
  /** Time between two probes of one target, as the endpoint saw them arrive (ms). */
  gaps?: Summary;
  /** Gaps longer than 2 × intervalMs + timeoutMs. */
  late?: number;
  /** Targets at 100 % uptime (the steady ones should all be). */
  fullUptime?: number;
  /** The flapping targets are exactly the first rows of `uptime` (worst first). */
  flappersRankedFirst?: boolean;
  errors: string[];
}

export interface TargetFleetOptions {
  readonly root: string;
  /** The built CLI (dist/src/cli/index.js or the run's snapshot of it). */
  readonly cli: string;
  readonly targets: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly seconds: number;
  readonly log: (msg: string) => void;
}

/**
 * `nodewarden run` with one target file of N instances (`http` height probes
 * against loopback endpoints served by the bench), every tenth endpoint
 * answering 503 for two windows of the run (4 intervals each, so each flap is
 * seen as down). The schedule is measured at the endpoints: the arrival time
 * of every request, per target. At the end, `uptime --json` must rank the flapping targets first and give the others 100 %.
 */
export async function runTargetFleet(o: TargetFleetOptions): Promise<TargetFleetResult> {
  const res: TargetFleetResult = {
    targets: o.targets,
    flapping: Math.floor(o.targets / 10),
    intervalMs: o.intervalMs,
    timeoutMs: o.timeoutMs,
    seconds: o.seconds,
    errors: [],
  };
  const dir = fs.mkdtempSync(path.join(o.root, 'nw-targets-'));
  const hits = new Map<string, number[]>();
  const down = new Set<string>();
  const server = http.createServer((req, rsp) => {
    const name = (req.url ?? '/').slice(1);
    let list = hits.get(name);
    if (!list) hits.set(name, (list = []));
    list.push(performance.now());
    if (down.has(name)) rsp.writeHead(503).end('down');
    else rsp.writeHead(200, { 'content-type': 'application/json' }).end('{"height": 1000}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const cfg = writeConfig(dir, port, o);
  const consoleLog = path.join(dir, 'manager.out');
  const names = Array.from({ length: o.targets }, (_, i) => `fleet-${i + 1}`);
  const flappers = names.filter((_, i) => (i + 1) % 10 === 0);
  let pid: number | null = null;
  try {
    const proc = spawnLogged(process.execPath, [o.cli, 'run', '--config', cfg], { logFile: consoleLog, cwd: dir });
    pid = proc.pid;
    o.log(`  target fleet: ${o.targets} targets every ${o.intervalMs} ms for ${o.seconds} s`);
    await waitFor('every target probed once', () => names.every((n) => hits.has(n)), { timeoutMs: 60_000 });
    const began = Date.now();
    const window = 4 * o.intervalMs;
    for (const at of [0.25, 0.6]) {
      await sleep(Math.max(0, began + at * o.seconds * 1000 - Date.now()));
      flappers.forEach((n) => down.add(n));
      await sleep(window);
      flappers.forEach((n) => down.delete(n));
    }
    await sleep(Math.max(0, began + o.seconds * 1000 - Date.now()));
    // Asked of the running daemon: its open intervals end now, so a target never down is at 100 %.
    const out = await runCommand(process.execPath, [o.cli, 'uptime', '--json', '--config', cfg], {
      timeoutMs: 60_000,
    });
    const rows = (JSON.parse(out.stdout) as { nodes: { node: string; uptimePercent: number | null }[] }).nodes;
    res.fullUptime = rows.filter((r) => r.uptimePercent === 100).length;
    const first = rows.slice(0, flappers.length).map((r) => r.node);
    res.flappersRankedFirst = flappers.every((n) => first.includes(n));
    process.kill(pid, 'SIGTERM');
    if (!(await waitGone(pid, 30_000))) throw new Error(`nodewarden did not stop:\n${tail(consoleLog)}`);
    pid = null;

    const gaps: number[] = [];
    for (const n of names) {
      const h = hits.get(n) ?? [];
      for (let i = 1; i < h.length; i++) gaps.push(h[i]! - h[i - 1]!);
    }
    res.gaps = summarize(gaps);
    res.late = gaps.filter((g) => g > 2 * o.intervalMs + o.timeoutMs).length;

    o.log(
      `  target fleet: gaps p50 ${res.gaps.p50.toFixed(0)} ms, p95 ${res.gaps.p95.toFixed(0)} ms, ` +
        `max ${res.gaps.max.toFixed(0)} ms; ${res.late} late; ${res.fullUptime} at 100 %`,
    );
  } catch (err) {
    res.errors.push(err instanceof Error ? err.message : String(err));
    o.log(`  target fleet FAILED: ${res.errors[0]}`);
  } finally {
    if (pid !== null) await Reaper.end(pid, 10_000);
    server.closeAllConnections();
    server.close();
  }
  return res;
}

function writeConfig(dir: string, port: number, o: TargetFleetOptions): string {
  const cfg = path.join(dir, 'configs');
  fs.mkdirSync(path.join(cfg, 'targets'), { recursive: true });
  const json = (file: string, v: unknown): void => fs.writeFileSync(path.join(cfg, file), JSON.stringify(v, null, 2));
  json('nodewarden.json', {
    stateDir: path.join(dir, 'state'),
    logDir: path.join(dir, 'logs'),
    templatesDir: path.join(dir, 'templates'),
    alerts: { on: [] },
  });
  json('targets/fleet.json', {
    instances: o.targets,
    intervalMs: o.intervalMs,
    timeoutMs: o.timeoutMs,
    downAfter: 2,
    probes: { height: { type: 'http', url: `http://127.0.0.1:${port}/fleet-{{index}}`, path: 'height' } },
  });
  return cfg;
}

/** The BENCHMARKS.md section of this scenario (between its markers, so a lone run can replace it). */
export function renderTargetFleet(r: TargetFleetResult): string[] {
  const ms = (v: number): string => `${v.toFixed(0)} ms`;
  const lines = [
    TARGET_FLEET_BEGIN,
    '## Watch-only targets: probe schedule',
    '',
    `${r.targets} targets from one file (\`instances: ${r.targets}\`), \`http\` height probes against loopback endpoints, ` +
      `intervalMs ${r.intervalMs}, timeoutMs ${r.timeoutMs}, downAfter 2, ${r.seconds} s; every tenth endpoint (${r.flapping}) ` +
      `answers 503 for two windows of 4 intervals. Gaps are the times between two probes of one target as the endpoint saw them arrive.`,
    '',
  ];
  if (r.gaps) {
    lines.push(
      '| gaps | p50 | p95 | max | over 2×interval+timeout | targets at 100 % | flapping ranked first |',
      '|---|---|---|---|---|---|---|',
      `| ${r.gaps.n} | ${ms(r.gaps.p50)} | ${ms(r.gaps.p95)} | ${ms(r.gaps.max)} | ${r.late} | ` +
        `${r.fullUptime} of ${r.targets - r.flapping} steady | ${r.flappersRankedFirst ? 'yes' : '**no**'} |`,
    );
  }
  for (const e of r.errors) lines.push(`- problem: ${e.replace(/\n/g, ' ')}`);
  lines.push('', 'Run alone: `npx tsc -p tsconfig.json && node dist/bench/target-fleet.js [--targets 200] [--seconds 120]`.', TARGET_FLEET_END);
  return lines;
}

export const TARGET_FLEET_BEGIN = '<!-- target-fleet:begin -->';
export const TARGET_FLEET_END = '<!-- target-fleet:end -->';
