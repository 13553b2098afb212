/**
 * Command-line flags of the simulated chain node (`sim-node`). Each flag turns on
 * one behaviour, so a test or a demo config composes exactly the fault it needs.
 * Dependency-free on purpose: the sim must start fast and import only node builtins.
 */

/** Everything `sim-node` was asked to do, parsed and checked. */
export interface SimOptions {
  name: string;
  /** Stable peer id; derived from `name` when not given. */
  id: string | null;
  /** 0 = ephemeral. */
  port: number;
  portFile: string | null;
  blockMs: number;
  startHeight: number;
  chainFile: string | null;
  peers: number;
  /** The version it reports (`--version`; default the sim's own). */
  version: string | null;
  crashAfter: { ms: number; code: number } | null;
  exitAtStart: number | null;
  stallAt: number | null;
  stallAfterMs: number | null;
  lag: number;
  catchUp: { from: number; rate: number } | null;
  closePortAfterMs: number | null;
  leakMbPerS: number;
  leakMaxMb: number | null;
  ignoreSigterm: boolean;
  spawnChild: boolean;
  /** Start a daemon that leaves the sim's session and process group (setsid + double fork). */
  spawnDaemon: boolean;
  spew: boolean;
  spewLines: number | null;
  logEveryMs: number | null;
  burnCpuPercent: number;
  stopDelayMs: number;
  /** `--chaos-lines MS`: write a numbered line `<name> <pid> <seq>` every MS ms. */
  chaosLinesMs: number | null;
  /** `--seq-dir DIR`: keep `<DIR>/<name>.<pid>` holding the last numbered line written. */
  seqDir: string | null;
  /** `--stall-file PATH`: while this file exists the reported height stands still. */
  stallFile: string | null;
  help: boolean;
}

/** A bad flag or value; `sim-node` prints the message and exits 2. */
export class SimUsageError extends Error {
  override name = 'SimUsageError';
}

type Kind = 'int' | 'posint' | 'number' | 'string' | 'bool' | 'crash';

const FLAGS: Record<string, Kind> = {
  '--name': 'string',
  '--id': 'string',
  '--version': 'string',
  '--port': 'int',
  '--port-file': 'string',
  '--block-ms': 'posint',
  '--start-height': 'int',
  '--chain-file': 'string',
  '--peers': 'int',
  '--crash-after': 'crash',
  '--exit-at-start': 'int',
  '--stall-at': 'int',
  '--stall-after': 'int',
  '--lag': 'int',
  '--catch-up-from': 'int',
  '--catch-up-rate': 'posint',
  '--close-port-after': 'int',
  '--leak-mb-per-s': 'number',
  '--leak-max-mb': 'number',
  '--ignore-sigterm': 'bool',
  '--spawn-child': 'bool',
  '--spawn-daemon': 'bool',
  '--spew': 'bool',
  '--spew-lines': 'posint',
  '--log-every': 'posint',
  '--burn-cpu': 'number',
  '--stop-delay': 'int',
  '--chaos-lines': 'posint',
  '--seq-dir': 'string',
  '--stall-file': 'string',
  '--help': 'bool',
};

function convert(flag: string, kind: Kind, raw: string): unknown {
  const bad = (what: string): never => {
    throw new SimUsageError(`${flag}: expected ${what}, got ${JSON.stringify(raw)}`);
  };
  switch (kind) {
    case 'string':
      return raw === '' ? bad('a non-empty string') : raw;
    case 'int':
    case 'posint': {
      if (!/^\d+$/.test(raw)) bad(kind === 'int' ? 'a non-negative integer' : 'a positive integer');
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || (kind === 'posint' && n === 0)) bad('a positive integer');
      return n;
    }
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || !Number.isFinite(n) || n < 0 ? bad('a non-negative number') : n;
    }
    case 'crash': {
      const m = /^(\d+)(?::(\d+))?$/.exec(raw);
      if (!m) bad('MS or MS:CODE (e.g. 45000:1)');
      const code = m![2] === undefined ? 1 : Number(m![2]);
      return code > 255 ? bad('an exit code 0-255') : { ms: Number(m![1]), code };
    }
    case 'bool':
      return true;
  }
}

/** Reads flags (`--flag value` or `--flag=value`); the port defaults to `$SIM_PORT`, else 0. */
export function parseSimArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): SimOptions {
  const seen = new Map<string, unknown>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const kind = FLAGS[flag];
    if (kind === undefined) throw new SimUsageError(`unknown argument ${JSON.stringify(arg)} (try --help)`);
    let raw: string;
    if (eq > 0 && flag !== arg) raw = arg.slice(eq + 1);
    else if (kind === 'bool') raw = 'true';
    else if (i + 1 < argv.length) raw = argv[++i]!;
    else throw new SimUsageError(`${flag}: missing value`);
    if (kind === 'bool' && raw !== 'true')
      throw new SimUsageError(`${flag}: takes no value, got ${JSON.stringify(raw)}`);
    seen.set(flag, convert(flag, kind, raw));
  }
  const get = <T>(flag: string, dflt: T): T => (seen.has(flag) ? (seen.get(flag) as T) : dflt);

  let port = get<number | null>('--port', null);
  if (port === null && env.SIM_PORT !== undefined && env.SIM_PORT !== '') {
    port = convert('SIM_PORT', 'int', env.SIM_PORT) as number;
  }
  if (port !== null && port > 65535) throw new SimUsageError(`--port: expected 0-65535, got ${port}`);
  const exitAtStart = get<number | null>('--exit-at-start', null);
  if (exitAtStart !== null && exitAtStart > 255) {
    throw new SimUsageError(`--exit-at-start: expected an exit code 0-255, got ${exitAtStart}`);
  }
  if (seen.has('--chain-file') && seen.has('--start-height')) {
    throw new SimUsageError(
      '--start-height cannot be combined with --chain-file (the chain file sets the tip)',
    );
  }
  if (seen.has('--catch-up-from') !== seen.has('--catch-up-rate')) {
    throw new SimUsageError('--catch-up-from and --catch-up-rate must be given together');
  }
  if (seen.has('--seq-dir') && !seen.has('--chaos-lines')) {
    throw new SimUsageError('--seq-dir needs --chaos-lines (it records the numbered lines written)');
  }
  if (seen.has('--stall-at') && seen.has('--stall-after')) {
    throw new SimUsageError('--stall-at and --stall-after are alternatives; give one');
  }
  return {
    name: get('--name', 'sim'),
    id: get<string | null>('--id', null),
    port: port ?? 0,
    portFile: get<string | null>('--port-file', null),
    blockMs: get('--block-ms', 1000),
    startHeight: get('--start-height', 0),
    chainFile: get<string | null>('--chain-file', null),
    peers: get('--peers', 8),
    version: get<string | null>('--version', null),
    crashAfter: get<{ ms: number; code: number } | null>('--crash-after', null),
    exitAtStart,
    stallAt: get<number | null>('--stall-at', null),
    stallAfterMs: get<number | null>('--stall-after', null),
    lag: get('--lag', 0),
    catchUp: seen.has('--catch-up-from')
      ? { from: get('--catch-up-from', 0), rate: get('--catch-up-rate', 1) }
      : null,
    closePortAfterMs: get<number | null>('--close-port-after', null),
    leakMbPerS: get('--leak-mb-per-s', 0),
    leakMaxMb: get<number | null>('--leak-max-mb', null),
    ignoreSigterm: get('--ignore-sigterm', false),
    spawnChild: get('--spawn-child', false),
    spawnDaemon: get('--spawn-daemon', false),
    spew: get('--spew', false) || seen.has('--spew-lines'),
    spewLines: get<number | null>('--spew-lines', null),
    logEveryMs: get<number | null>('--log-every', null),
    burnCpuPercent: get('--burn-cpu', 0),
    stopDelayMs: get('--stop-delay', 0),
    chaosLinesMs: get<number | null>('--chaos-lines', null),
    seqDir: get<string | null>('--seq-dir', null),
    stallFile: get<string | null>('--stall-file', null),
    help: get('--help', false),
  };
}

/** The `--help` text. */
export const SIM_USAGE = `usage: sim-node [flags]
  --name NAME  --id PEERID  --port P (or $SIM_PORT; 0 = ephemeral)  --port-file PATH
  --block-ms MS (1000)  --start-height H (0)  --chain-file PATH (shared tip; created if missing)
  --peers N (8)  --version V (reported version)  --lag N  --stall-at H | --stall-after MS  --catch-up-from H --catch-up-rate R
  --crash-after MS[:CODE]  --exit-at-start CODE  --close-port-after MS  --stop-delay MS
  --ignore-sigterm  --spawn-child  --spawn-daemon  --spew [--spew-lines N]  --log-every MS
  --leak-mb-per-s N [--leak-max-mb M]  --burn-cpu PERCENT
  --chaos-lines MS [--seq-dir DIR] (numbered lines "<name> <pid> <seq>")  --stall-file PATH (height stands still while it exists)
prints "READY pid=<pid> port=<port>" once the HTTP server listens on 127.0.0.1`;
