/**
 * The simulated chain: where the network's tip is at a given wall-clock time, and
 * where this node's own height is relative to it (lagging, stalled, catching up).
 * Height is a pure function of time, so several sim processes reading the same
 * chain file agree on the tip without talking to each other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimUsageError, type SimOptions } from './args.js';

/** Contents of a shared chain file. */
export interface ChainFile {
  genesisMs: number;
  blockMs: number;
}

/**
 * Reads the chain file, creating it (genesis = now) when it does not exist.
 * Creation is a hard link of a complete temp file, so concurrent sims racing to
 * create it all end up reading the same, fully written contents.
 */
export function loadOrCreateChainFile(file: string, blockMs: number, nowMs: number): ChainFile {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ genesisMs: nowMs, blockMs }) + '\n');
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      // Another sim created it first: theirs wins, we read it below.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SimUsageError(`chain file ${file}: cannot read it as JSON: ${(err as Error).message}`);
  }
  const c = parsed as Partial<ChainFile> | null;
  if (typeof c?.genesisMs !== 'number' || !Number.isFinite(c.genesisMs)) {
    throw new SimUsageError(
      `chain file ${file}: genesisMs must be a number (epoch ms), got ${JSON.stringify(c?.genesisMs)}`,
    );
  }
  if (typeof c.blockMs !== 'number' || !(c.blockMs > 0)) {
    throw new SimUsageError(
      `chain file ${file}: blockMs must be a positive number, got ${JSON.stringify(c.blockMs)}`,
    );
  }
  return { genesisMs: c.genesisMs, blockMs: c.blockMs };
}

/** What the node reports at one instant: its own height and the network tip. */
export interface HeightReading {
  height: number;
  tip: number;
}

/** Computes tip and node height for any wall-clock time; holds no timers. */
export class HeightModel {
  private readonly blockMs: number;

  /**
   * @param startMs wall-clock ms when the node started (own counter, catch-up and stall-after count from it)
   * @param chain the shared chain, or null for a private chain starting at `opts.startHeight`
   */
  constructor(
    private readonly opts: Pick<
      SimOptions,
      'blockMs' | 'startHeight' | 'lag' | 'stallAt' | 'stallAfterMs' | 'catchUp'
    >,
    private readonly startMs: number,
    private readonly chain: ChainFile | null,
  ) {
    this.blockMs = chain ? chain.blockMs : opts.blockMs;
  }

  /** Block interval in effect (the chain file's, when there is one). */
  get intervalMs(): number {
    return this.blockMs;
  }

  tipAt(t: number): number {
    if (this.chain) return Math.max(0, Math.floor((t - this.chain.genesisMs) / this.blockMs));
    return this.opts.startHeight + Math.max(0, Math.floor((t - this.startMs) / this.blockMs));
  }

  private ownAt(t: number): number {
    let h = this.tipAt(t);
    const { catchUp, lag, stallAt } = this.opts;
    if (catchUp) {
      const intervals = Math.max(0, Math.floor((t - this.startMs) / this.blockMs));
      h = Math.min(h, catchUp.from + catchUp.rate * intervals);
    }
    h = Math.max(0, h - lag);
    return stallAt === null ? h : Math.min(h, stallAt);
  }

  /** The reading at wall-clock time `t`; a stall-after node is frozen at its value then. */
  at(t: number): HeightReading {
    const { stallAfterMs } = this.opts;
    const own = stallAfterMs === null ? this.ownAt(t) : this.ownAt(Math.min(t, this.startMs + stallAfterMs));
    return { height: own, tip: this.tipAt(t) };
  }
}
