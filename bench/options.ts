import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANAGER_NAMES, type ManagerName } from './managers/types.js';

/** How `npm run bench -- [options]` was asked to run. */
export interface BenchOptions {
  /** N = 50 only, a 10 s idle window, fewer status requests (development). */
  readonly quick: boolean;
  readonly only: readonly ManagerName[];
  /** Keep the temp directory (configs, logs) for inspection. */
  readonly keep: boolean;
  /** Where the report goes (default: BENCHMARKS.md at the repository root). */
  readonly out: string;
  readonly sizes: readonly number[];
  readonly idleSeconds: number;
  readonly kills: number;
  readonly logSeconds: number;
  /** Rounds of the log scenario, alternating between the managers. */
  readonly logRounds: number;
  readonly samplingCounts: readonly number[];
  readonly statusRequests: number;
  /** Nodes of the status page scenario (5c). */
  readonly pageNodes: number;
  /** Page loads it times. */
  readonly pageLoads: number;
  /** Run only the status page scenario and print it (BENCHMARKS.md is left as it is). */
  readonly pageOnly: boolean;
  /** The large host's N (0 = no large rows). */
  readonly large: number;
  /** Idle window at the large N (s). */
  readonly largeIdleSeconds: number;
  /** Many writers: how many, bytes per second each, for how long, rotated at what size. */
  readonly writers: {
    readonly count: number;
    readonly bytesPerSecond: number;
    readonly seconds: number;
    readonly logMaxBytes: number;
  };
  /** Write a V8 CPU profile of every nodewarden launch here (`--cpu-prof DIR`). */
  readonly cpuProfDir: string | null;
  /** Parts left out (`--skip`). */
  readonly skip: readonly Part[];
}

/** The parts of a run, each one skippable. */
export const PARTS = [
  'boot',
  'api',
  'logs',
  'writers',
  'large',
  'sampling',
  'status',
  'fleet',
  'page',
] as const;
export type Part = (typeof PARTS)[number];

export const USAGE = `usage: npm run bench -- [--quick] [--only nodewarden,runit,supervisord,pm2] [--sizes 50,200] [--large N]
                        [--idle S] [--skip part,...] [--keep] [--out FILE]
  --quick   N=50 only, a 10 s idle window, no large rows, 50 writers for 20 s (development)
  --only    run only these managers (nodewarden-only scenarios need nodewarden)
  --sizes   the N of the start / idle / crash / stop cycles (default 200)
  --large   the large host's N (default 1000; 0 leaves its rows out)
  --idle    the idle window at each N of --sizes, seconds (default 20)
  --skip    leave parts out: ${PARTS.join(', ')}
  --cpu-prof DIR  write a CPU profile of every nodewarden launch into DIR (node --cpu-prof)
  --keep    keep the temp directory with every config and log
  --out     write the report here instead of BENCHMARKS.md
  --page    run only the status page scenario (5c), print it, write nothing`;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Parses argv (without node and script); throws a usage error on anything unknown. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let keep = false;
  let pageOnly = false;
  let only: ManagerName[] = [...MANAGER_NAMES];
  let out = path.join(REPO_ROOT, 'BENCHMARKS.md');
  let sizes: number[] | null = null;
  let large: number | null = null;
  let idle: number | null = null;
  let skip: Part[] = [];
  let cpuProfDir: string | null = null;
  const ints = (name: string, v: string, min: number): number[] =>
    v.split(',').map((x) => {
      const n = Number(x.trim());
      if (!Number.isInteger(n) || n < min)
        throw new Error(`${name}: "${x}" is not a whole number ≥ ${min}\n${USAGE}`);
      return n;
    });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`${a.split('=')[0]} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--page') pageOnly = true;
    else if (a === '--keep') keep = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const names = value()
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
      const bad = names.filter((n) => !(MANAGER_NAMES as readonly string[]).includes(n));
      if (bad.length > 0)
        throw new Error(
          `--only: unknown manager ${bad.map((b) => `"${b}"`).join(', ')}; known: ${MANAGER_NAMES.join(', ')}\n${USAGE}`,
        );
      only = MANAGER_NAMES.filter((m) => names.includes(m));
    } else if (a === '--out' || a.startsWith('--out=')) out = path.resolve(value());
    else if (a === '--sizes' || a.startsWith('--sizes=')) sizes = ints('--sizes', value(), 1);
    else if (a === '--large' || a.startsWith('--large=')) large = ints('--large', value(), 0)[0]!;
    else if (a === '--cpu-prof' || a.startsWith('--cpu-prof=')) cpuProfDir = path.resolve(value());
    else if (a === '--idle' || a.startsWith('--idle=')) idle = ints('--idle', value(), 1)[0]!;
    else if (a === '--skip' || a.startsWith('--skip=')) {
      const names = value()
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const bad = names.filter((n) => !(PARTS as readonly string[]).includes(n));
      if (bad.length > 0)
        throw new Error(
          `--skip: unknown part ${bad.map((b) => `"${b}"`).join(', ')}; known: ${PARTS.join(', ')}\n${USAGE}`,
        );
      skip = names as Part[];
    } else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
  }
  return {
    quick,
    only,
    keep,
    out,
    sizes: sizes ?? (quick ? [50] : [200]),
    idleSeconds: idle ?? (quick ? 10 : 20),
    kills: 20,
    logSeconds: 10,
    logRounds: quick ? 1 : 3,
    samplingCounts: [
      ...new Set([50, 200, 500, ...((large ?? (quick ? 0 : 1000)) > 0 ? [large ?? 1000] : [])]),
    ],
    statusRequests: 500,
    pageNodes: 200,
    pageLoads: quick ? 3 : 5,
    pageOnly,
    large: large ?? (quick ? 0 : 1000),
    largeIdleSeconds: quick ? 10 : 20,
    writers: quick
      ? { count: 50, bytesPerSecond: 50_000, seconds: 20, logMaxBytes: 256 * 1024 }
      : { count: 200, bytesPerSecond: 50_000, seconds: 60, logMaxBytes: 1024 * 1024 },
    skip,
    cpuProfDir,
  };
}
