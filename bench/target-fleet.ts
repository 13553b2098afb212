import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load1 } from './machine.js';
import { NODEWARDEN_CLI } from './managers/nodewarden.js';
import {
  renderTargetFleet,
  runTargetFleet,
  TARGET_FLEET_BEGIN,
  TARGET_FLEET_END,
} from './scenarios/target-fleet.js';

/**
 * The watch-only target scenario on its own: runs it against the built CLI
 * and replaces its section of BENCHMARKS.md (appended when missing), leaving
 * the rest of the file as the last full bench wrote it.
 * `node dist/bench/target-fleet.js [--targets N] [--seconds S] [--interval MS] [--out FILE]`
 */
async function main(argv: readonly string[]): Promise<void> {
  const arg = (name: string, def: number): number => {
    const i = argv.indexOf(name);
    const v = i === -1 ? def : Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: must be a positive integer`);
    return v;
  };
  const outAt = argv.indexOf('--out');
  const out =
    outAt === -1
      ? fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url))
      : path.resolve(argv[outAt + 1] ?? 'BENCHMARKS.md');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nwbench-targets-'));
  try {
    console.log(`bench: target fleet, load average ${load1()}`);
    const r = await runTargetFleet({
      root,
      cli: NODEWARDEN_CLI,
      targets: arg('--targets', 200),
      intervalMs: arg('--interval', 2000),
      timeoutMs: 5000,
      seconds: arg('--seconds', 120),
      log: (m) => console.log(m),
    });
    const section = [
      ...renderTargetFleet(r).slice(0, -2),
      `Last run alone: ${new Date().toISOString()}, ${os.cpus().length} CPUs, 1-minute load average ${load1()} at the end.`,
      ...renderTargetFleet(r).slice(-2),
    ].join('\n');
    const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    const a = text.indexOf(TARGET_FLEET_BEGIN);
    const b = text.indexOf(TARGET_FLEET_END);
    const next =
      a !== -1 && b > a
        ? text.slice(0, a) + section + text.slice(b + TARGET_FLEET_END.length)
        : `${text.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(out, next);
    console.log(`bench: wrote the target fleet section of ${out}`);
    if (r.errors.length > 0) process.exitCode = 1;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
