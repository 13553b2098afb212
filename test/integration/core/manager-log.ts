/**
 * The manager log `<logDir>/nodewarden.log` as the core acceptance tests read
 * it: JSON lines, contract events logged as `"<node>: <type> (<reason>)"`
 * with their details flat beside winston's fields.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One line of nodewarden.log: winston's fields plus the event's details, flat. */
export interface LogEntry {
  readonly message: string;
  readonly level: string;
  readonly timestamp: string;
  readonly [key: string]: unknown;
}

const LINE = Symbol('line');

/** The index just past `e` in the log: pass it as `from` to wait for what came after `e`. */
export function after(e: LogEntry): number {
  const i = (e as unknown as Record<symbol, number>)[LINE];
  if (i === undefined) throw new Error('not an entry read from a ManagerLog');
  return i + 1;
}

/** True when the entry records contract event `type` of `node` (and `reason`, when given). */
export function isEvent(e: LogEntry, node: string, type: string, reason?: string): boolean {
  const head = `${node}: ${type}`;
  if (reason !== undefined) return e.message === `${head} (${reason})`;
  return e.message === head || e.message.startsWith(`${head} (`);
}

/** A reader of `<logDir>/nodewarden.log` that waits for lines, driven by fs.watch (with a slow poll as backstop). */
export class ManagerLog {
  constructor(
    readonly file: string,
    /** More to say when a wait times out (e.g. the manager's stderr). */
    private readonly context: () => string = () => '',
  ) {}

  /** Every complete line so far, parsed. */
  entries(): LogEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n');
    lines.pop(); // unterminated (or empty) tail
    return lines
      .filter((l) => l.trim() !== '')
      .map((l, i) => Object.defineProperty(JSON.parse(l) as LogEntry, LINE, { value: i, enumerable: false }));
  }

  /** Number of complete lines so far: pass it as `from` to wait only for what comes next. */
  count(): number {
    return this.entries().length;
  }

  /** The first entry at index >= `from` that matches. */
  waitFor(
    match: (e: LogEntry) => boolean,
    opts: { from?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<LogEntry> {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      let watcher: fs.FSWatcher | null = null;
      let poll: NodeJS.Timeout | null = null;
      let timer: NodeJS.Timeout | null = null;
      const finish = (fn: () => void): void => {
        watcher?.close();
        if (poll) clearInterval(poll);
        if (timer) clearTimeout(timer);
        fn();
      };
      const check = (): boolean => {
        const hit = this.entries()
          .slice(opts.from ?? 0)
          .find(match);
        if (hit) finish(() => resolve(hit));
        return hit !== undefined;
      };
      if (check()) return;
      try {
        watcher = fs.watch(path.dirname(this.file), () => void check());
      } catch {
        watcher = null; // the directory is created by the manager; the poll covers it
      }
      poll = setInterval(check, 100);
      timer = setTimeout(() => {
        const tail = this.entries()
          .slice(-8)
          .map((e) => e.message)
          .join(' | ');
        finish(() =>
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a log line'} in ${this.file}; last: ${tail}${this.context()}`,
            ),
          ),
        );
      }, timeoutMs);
    });
  }

  /** The next `"<node>: <type>"` event line (optionally with that reason and more conditions). */
  waitEvent(
    node: string,
    type: string,
    opts: { from?: number; timeoutMs?: number; reason?: string; where?: (e: LogEntry) => boolean } = {},
  ): Promise<LogEntry> {
    const what = `"${node}: ${type}${opts.reason ? ` (${opts.reason})` : ''}"`;
    return this.waitFor((e) => isEvent(e, node, type, opts.reason) && (opts.where?.(e) ?? true), {
      ...opts,
      what,
    });
  }

  /** Every event line of `node` of that type so far. */
  events(node: string, type: string, from = 0): LogEntry[] {
    return this.entries()
      .slice(from)
      .filter((e) => isEvent(e, node, type));
  }
}
