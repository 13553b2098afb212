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
}

export const USAGE = `usage: npm run bench -- [--quick] [--only nodewarden,supervisord,pm2] [--keep] [--out FILE]
  --quick   N=50 only and a 10 s idle window (development)
  --only    run only these managers (nodewarden-only scenarios need nodewarden)
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
      if (bad.length > 0) throw new Error(`--only: unknown manager ${bad.map((b) => `"${b}"`).join(', ')}; known: ${MANAGER_NAMES.join(', ')}\n${USAGE}`);
      only = MANAGER_NAMES.filter((m) => names.includes(m));
    } else if (a === '--out' || a.startsWith('--out=')) out = path.resolve(value());
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
  }
  return {
    quick,
    only,
    keep,
    out,
    sizes: quick ? [50] : [50, 200],
    idleSeconds: quick ? 10 : 30,
    kills: 20,
    logSeconds: 10,
    logRounds: quick ? 1 : 3,
    samplingCounts: [50, 200, 500],
    statusRequests: 500,
    pageNodes: 200,
    pageLoads: quick ? 3 : 5,
    pageOnly,
  };
}
