/** Flags of `npm run chaos -- ...`. */

export interface ChaosOptions {
  /** How long faults are injected, in ms. */
  durationMs: number;
  seed: number;
  nodes: number;
  /** Keep the temp root at the end (it is always kept after a failure). */
  keep: boolean;
}

export const CHAOS_USAGE = `usage: npm run chaos -- [--minutes M] [--seconds S] [--seed S] [--nodes N] [--keep]
  --minutes M   how long faults are injected (default 20)
  --seconds S   the same in seconds (for short runs)
  --seed S      seed of the fault sequence (default: random; always printed)
  --nodes N     simulated nodes in the fleet (default 50, at least 4)
  --keep        keep the run's temp directory at the end`;

export class ChaosUsageError extends Error {
  override name = 'ChaosUsageError';
}

function positive(flag: string, raw: string | undefined, integer: boolean): number {
  if (raw === undefined) throw new ChaosUsageError(`${flag}: missing value`);
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n)))
    throw new ChaosUsageError(
      `${flag}: expected a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`,
    );
  return n;
}

export function parseChaosArgs(argv: readonly string[], randomSeed: () => number): ChaosOptions {
  const opts: ChaosOptions = { durationMs: 20 * 60_000, seed: -1, nodes: 50, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--minutes':
        opts.durationMs = Math.round(positive(flag, value(), false) * 60_000);
        break;
      case '--seconds':
        opts.durationMs = Math.round(positive(flag, value(), false) * 1000);
        break;
      case '--seed': {
        const raw = value();
        if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) > 0xffffffff)
          throw new ChaosUsageError(`--seed: expected an integer 0-4294967295, got ${JSON.stringify(raw)}`);
        opts.seed = Number(raw);
        break;
      }
      case '--nodes':
        opts.nodes = positive(flag, value(), true);
        if (opts.nodes < 4 || opts.nodes > 500)
          throw new ChaosUsageError(`--nodes: expected 4-500, got ${opts.nodes}`);
        break;
      case '--keep':
        opts.keep = true;
        break;
      default:
        throw new ChaosUsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (opts.seed < 0) opts.seed = randomSeed();
  return opts;
}
