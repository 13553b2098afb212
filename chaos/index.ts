#!/usr/bin/env node
/**
 * `npm run chaos -- [--minutes M] [--seconds S] [--seed S] [--nodes N] [--keep]`:
 * minutes of seeded random faults against a real nodewarden and its simulated
 * fleet, with the invariants checked from outside after every fault. Exits 0
 * with a summary when every check held, 1 with the seed, the fault sequence and
 * the evidence at the first violation, 2 on bad flags.
 */
import { randomInt } from 'node:crypto';
import { CHAOS_USAGE, ChaosUsageError, parseChaosArgs, type ChaosOptions } from './options.js';
import { ChaosRun } from './run.js';

async function main(): Promise<number> {
  let opts: ChaosOptions;
  try {
    if (process.argv.includes('--help')) {
      process.stdout.write(CHAOS_USAGE + '\n');
      return 0;
    }
    opts = parseChaosArgs(process.argv.slice(2), () => randomInt(0, 2 ** 31));
  } catch (err) {
    if (!(err instanceof ChaosUsageError)) throw err;
    process.stderr.write(`chaos: ${err.message}\n${CHAOS_USAGE}\n`);
    return 2;
  }
  const run = new ChaosRun(opts, (line) => process.stdout.write(line + '\n'));
  let stopping = false;
  const interrupt = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`chaos: interrupted; cleaning up (seed ${opts.seed})\n`);
    void run.cleanup(true).then(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const outcome = await run.main();
  process.stdout.write(outcome.text + '\n');
  return outcome.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
