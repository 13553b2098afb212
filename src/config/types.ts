/**
 * The shapes the rest of nodewarden sees once configuration is loaded,
 * validated, merged, interpolated and frozen. Produced only by `config/`.
 */

export type RestartPolicy = 'always' | 'on-failure' | 'never';

/** One probe of a node (DESIGN §1 `probes.<name>`, §3). */
/** The facts a chain preset's probe reads from its daemon. */
export type ChainField = 'height' | 'syncing' | 'version' | 'peerId' | 'peers';

/**
 * Where a field of a `multi` probe is found in one answer: a dot path into
 * the JSON result (or, for a prometheus read, a metric name), or an object
 * saying more: `path` / `metric` + `labels` / `label`, `is` / `isNot` (the
 * field is true when the value equals / differs from this), `sum` (several
 * paths added up) and `add` (a constant added to a number).
 */
export type FieldSource =
  | string
  | {
      readonly path?: string;
      readonly metric?: string;
      readonly labels?: Readonly<Record<string, string>>;
      readonly label?: string;
      readonly is?: unknown;
      readonly isNot?: unknown;
      readonly sum?: readonly string[];
      readonly add?: number;
    };

/** One request of a `multi` probe and the fields read from its answer. */
export interface ProbeRead {
  readonly type: 'http' | 'jsonrpc' | 'prometheus';
  readonly url: string;
  readonly method?: string;
  readonly params?: unknown;
  /** JSON-RPC version of the request envelope (bitcoind speaks 1.0). Default 2.0. */
  readonly jsonrpc?: '1.0' | '2.0';
  readonly fields: Readonly<Partial<Record<ChainField, FieldSource>>>;
  /** A JSON-RPC error with this code is an answer, not a failure: these field values hold. */
  readonly onError?: {
    readonly code: number;
    readonly fields: Readonly<Partial<Record<ChainField, string | number | boolean>>>;
  };
}

export interface ProbeSpec {
  readonly type: 'http' | 'jsonrpc' | 'prometheus' | 'command' | 'tcp' | 'multi';
  /** The chain preset this probe was expanded from (its `reads` say what it does). */
  readonly preset?: string;
  /** bitcoind-style cookie file (`user:password`), read at every probe run; gives basic auth. */
  readonly cookieFile?: string;
  /** Requests of a `multi` probe. */
  readonly reads?: readonly ProbeRead[];
  readonly url?: string;
  readonly method?: string;
  readonly params?: unknown;
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly command?: readonly string[];
  readonly path?: string;
  readonly metric?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** For prometheus probes: read this label's value instead of the sample value. */
  readonly label?: string;
  readonly host?: string;
  readonly port?: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface RenderedFile {
  /** Absolute path. */
  readonly path: string;
  /** Final file contents. */
  readonly content: string;
}

export type HookKind = 'preStart' | 'postStart' | 'preStop' | 'postStop';

/** `hooks.*` of a node: an argv per hook kind ([] = no hook) and their timeout. */
export type NodeHooks = Readonly<Record<HookKind, readonly string[]>> & { readonly timeoutMs: number };

/** A node's fully resolved configuration. Deep-frozen. */
export interface NodeSpec {
  readonly name: string;
  readonly index: number;
  /** The node file it came from (absolute path). */
  readonly file: string;
  /** Absolute path of the executable. */
  readonly binary: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Absolute working directory (defaults to dataDir). */
  readonly cwd: string;
  /** Absolute data directory, created if missing. */
  readonly dataDir: string;
  readonly user: string | number | null;
  readonly group: string | number | null;
  readonly autostart: boolean;
  readonly priority: number;
  /** The node may be paused (stopped) while the host is under pressure (`pressure.enabled`). */
  readonly shed: boolean;
  /**
   * Node names this node starts after and stops before (`dependsOn`), as the
   * loader resolved them: a node file name stands for all its instances.
   */
  readonly dependsOn: readonly string[];
  readonly restart: {
    readonly policy: RestartPolicy;
    readonly startSeconds: number;
    readonly maxRetries: number;
    readonly fatalRetryMs: number;
    readonly backoffMs: number;
    readonly backoffMaxMs: number;
    readonly stableSeconds: number;
    /** Exit codes that mean "do not retry": straight to fatal. */
    readonly permanentExitCodes: readonly number[];
  };
  readonly stop: { readonly signal: NodeJS.Signals; readonly graceMs: number };
  /** Commands run around start and stop (argv, no shell; empty = none). */
  readonly hooks: NodeHooks;
  readonly limits: {
    readonly nofile: number | null;
    readonly maxRssMb: number | null;
    readonly maxCpuPercent: number | null;
    readonly forSamples: number;
  };
  readonly logs: { readonly maxBytes: number; readonly backups: number; readonly compress: boolean };
  readonly probes: Readonly<Record<string, ProbeSpec>>;
  readonly sync: {
    readonly group: string;
    readonly minHealthy: number;
    readonly reference: readonly ProbeSpec[];
    readonly maxLag: number;
    readonly windowMs: number;
    readonly stallMs: number;
    readonly startupGraceMs: number;
  };
  /** Profile names available to this node (e.g. `fallback`). */
  readonly profileNames: readonly string[];
  /** Name of the profile this spec was resolved with, or null for the normal one. */
  readonly profile: string | null;
  /**
   * Every profile of the node resolved into its full spec at load time (and
   * validated then), by profile name; empty inside a profile's own spec. What
   * a group switching to `fallback` runs: the config as loaded, never the disk.
   */
  readonly profileSpecs: Readonly<Record<string, NodeSpec>>;
  readonly files: readonly RenderedFile[];
  /**
   * Stable hash of everything that affects the running process
   * (binary, args, env, cwd, user, group, limits.nofile, files).
   * Reload restarts a node only when this changes.
   */
  readonly runHash: string;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly auth: { readonly user: string; readonly pass: string } | null;
}

export interface WebhookConfig {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** nodewarden.json, validated, with paths made absolute. Deep-frozen. */
export interface ManagerConfig {
  /** The config directory (absolute). */
  readonly configDir: string;
  readonly stateDir: string;
  readonly logDir: string;
  readonly templatesDir: string;
  /** `name`: this host as metrics label it (`host.name`, default the system host name). */
  readonly host: { readonly name: string };
  readonly log: { readonly level: string; readonly maxBytes: number; readonly backups: number };
  /** Node logs: `timestamps` puts each line's arrival time (ISO-8601 UTC) in front of it (default true). */
  readonly logs: { readonly timestamps: boolean };
  readonly control: {
    /** Absolute socket path (default `<stateDir>/nodewarden.sock`). */
    readonly socket: string;
    readonly http: {
      readonly host: string;
      readonly port: number | null;
      readonly token: string | null;
      /** Extra `Host` names the TCP listener answers to (lower case), e.g. a reverse proxy's. */
      readonly allowedHosts: readonly string[];
    };
  };
  readonly sampling: { readonly intervalMs: number };
  readonly startup: { readonly concurrency: number; readonly intervalMs: number };
  /** Rolling restarts: how long a restarted node may take to pass its gate. */
  readonly rollout: { readonly gateMs: number };
  readonly pressure: {
    /** Shed load at all (default false); only nodes with `shed: true` are ever paused. */
    readonly enabled: boolean;
    readonly memoryHighPercent: number;
    readonly memoryLowPercent: number;
    readonly cpuHighPercent: number;
    readonly cpuLowPercent: number;
    readonly samples: number;
    readonly diskLowPercent: number;
    /**
     * Kernel pressure-stall marks (`some avg10` of /proc/pressure/cpu and
     * /proc/pressure/memory, in %). Where the kernel reports them they decide
     * for CPU instead of raw CPU busy %; memory is high by either figure.
     */
    readonly psiCpuHighPercent: number;
    readonly psiCpuLowPercent: number;
    readonly psiMemoryHighPercent: number;
    readonly psiMemoryLowPercent: number;
  };
  readonly alerts: {
    readonly on: readonly string[];
    readonly throttleSeconds: number;
    readonly email: {
      readonly from: string;
      readonly to: readonly string[];
      readonly smtp: SmtpConfig | null;
    };
    readonly webhooks: readonly WebhookConfig[];
  };
  readonly retention: {
    readonly eventsDays: number;
    readonly samplesDays: number;
    /** Most rows the events table keeps; the oldest are pruned first. */
    readonly maxEvents: number;
  };
}

/** Everything `loadConfig` produces. */
export interface LoadedConfig {
  readonly manager: ManagerConfig;
  /** Nodes in a stable order (by file name, then index). */
  readonly nodes: readonly NodeSpec[];
  /** Watch-only targets (`targets/*.json`), in a stable order (by file name, then index). */
  readonly targets?: readonly TargetSpec[];
  /** What the load skipped without failing (e.g. `nodes/kmd.yaml: ignored`); none when absent. */
  readonly warnings?: readonly ConfigIssue[];
}

/** A watch-only target (`targets/<name>.json`): an endpoint probed, never run. Deep-frozen. */
export interface TargetSpec {
  readonly name: string;
  readonly index: number;
  /** The target file it came from (absolute path). */
  readonly file: string;
  readonly description: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** Its probes, each with its own interval and timeout (the target's when the probe sets none). */
  readonly probes: Readonly<Record<string, ProbeSpec>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Failed probe rounds in a row before the target is down. */
  readonly downAfter: number;
  /** The sync group whose reference height its `height` probe is shown against, or null. */
  readonly sync: { readonly group: string | null };
}

/** One problem found while loading configuration. */
export interface ConfigIssue {
  /** The file the problem is in (absolute path), when known. */
  readonly file: string | null;
  /** Dotted key path inside that file, e.g. `restart.backoffMs`; '' for the whole file. */
  readonly key: string;
  readonly message: string;
  /** The offending value, when there is one (already masked when sensitive). */
  readonly value?: unknown;
}

/** Supplies the `secret "key"` helper's values: generated once per node and key, persisted. */
export interface SecretSource {
  get(node: string, key: string): string;
}
