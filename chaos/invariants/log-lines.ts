import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { lineStampMs, withoutStamp } from '../../src/logs/line-stamp.js';
import type { CheckContext, Invariant, Journal, Violation } from '../journal.js';
import { alive } from './proc.js';
import { at, cap, managerAt, meetsWindows } from './timeline.js';
import { sleep, type InvariantOptions } from './options.js';

/**
 * Invariant 3, from the files: every numbered line `<name> <pid> <seq>` a sim
 * process wrote is in its node's log files (rotated ones too, oldest first)
 * exactly once and in order, up to at least the seq the process recorded in
 * `<seqDir>/<name>.<pid>`. Allowed losses, each counted: lines written while
 * the log directory was unwritable; the unread tail of a process that died
 * while no manager ran (its FIFO then had no holder, so the kernel discarded
 * it); the head of a process whose first lines went with a rotated file the
 * backups count removed. Lines drop only where nodewarden says so: a node
 * whose lines went missing in an unwritable window must have a `DROPPING LOG
 * OUTPUT` report in the manager log.
 */

/** What invariant 3 counted over the run. */
export interface LogFacts {
  processesChecked: number;
  linesChecked: number;
  /** Lines missing inside unwritable windows, per node. */
  droppedUnwritable: Record<string, number>;
  /** Tail lines lost with a FIFO no one held (process died with no manager). */
  lostUnheld: number;
  /** Head lines gone with backups the rotation removed. */
  rotatedAway: number;
  /**
   * Lines a manager had read from a node's pipe but not yet written when it
   * was killed with SIGKILL (one contiguous run per node and kill, at most one
   * read's worth): no user-space reader can close that window.
   */
  lostInFlight: number;
}

/** Slack around a window: a line is written, read and stamped within about this long. */
const SLACK_MS = 2_000;
/** After its last seq record, a killed process died within about this long. */
const DEATH_MS = 10_000;
/** At most what one read of a node's pipe can hold (a 1 MiB pipe), in the shortest numbered lines. */
const IN_FLIGHT_MAX_LINES = (1024 * 1024) / 8;

interface LogLine {
  seq: number;
  stamp: number | null;
  file: string;
  /** Line number within its file (1-based). */
  line: number;
}

/** Facts with every count at zero, for a fresh check. */
function zeroFacts(): LogFacts {
  return {
    processesChecked: 0,
    linesChecked: 0,
    droppedUnwritable: {},
    lostUnheld: 0,
    rotatedAway: 0,
    lostInFlight: 0,
  };
}

export function logLines(journal: Journal, opts: InvariantOptions): Invariant & { facts: LogFacts } {
  const facts = zeroFacts();
  return {
    id: 3,
    name: 'every numbered line is in the log exactly once, in order',
    facts,
    async check(ctx: CheckContext): Promise<Violation[]> {
      if (ctx.phase === 'fault') return [];
      // Seqs first, logs after: a live process's last lines may still be on their way through the FIFO.
      const seqs = seqFiles(journal.run.seqDir);
      const deadline = Date.now() + opts.logSettleMs;
      for (;;) {
        await sleep(opts.pollMs);
        Object.assign(facts, zeroFacts());
        const found = checkAll(journal, facts, seqs);
        if (found.length === 0 || Date.now() >= deadline) return found;
      }
    },
  };
}

/** `<logDir>/<name>.log*`, oldest first: `.N` … `.1`, `.rotating`, then the current file. */
export function nodeLogFiles(logDir: string, name: string): string[] {
  const re = new RegExp(
    `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.log(?:\\.(\\d+)(?:\\.gz)?|\\.rotating)?$`,
  );
  const found: Array<{ file: string; order: number }> = [];
  for (const f of fs.existsSync(logDir) ? fs.readdirSync(logDir) : []) {
    const m = re.exec(f);
    if (!m) continue;
    const order = m[1] !== undefined ? -Number(m[1]) : f.endsWith('.rotating') ? 0.5 : 1;
    found.push({ file: path.join(logDir, f), order });
  }
  return found.sort((a, b) => a.order - b.order).map((x) => x.file);
}

function readLog(file: string): string {
  try {
    const buf = fs.readFileSync(file);
    return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Every numbered line of `name` in its log files, by pid, in file order; and which pids start an oldest backup. */
function numberedLines(
  logDir: string,
  name: string,
): { byPid: Map<number, LogLine[]>; headOfOldest: Set<number> } {
  const byPid = new Map<number, LogLine[]>();
  const headOfOldest = new Set<number>();
  const files = nodeLogFiles(logDir, name);
  const prefix = `${name} `;
  files.forEach((file, index) => {
    const lines = readLog(file).split('\n');
    let first = true;
    lines.forEach((raw, i) => {
      const text = withoutStamp(raw);
      if (!text.startsWith(prefix)) return;
      const m = /^(\d+) (\d+)$/.exec(text.slice(prefix.length));
      if (!m) return;
      const pid = Number(m[1]);
      let list = byPid.get(pid);
      if (!list) byPid.set(pid, (list = []));
      list.push({ seq: Number(m[2]), stamp: lineStampMs(raw), file: path.basename(file), line: i + 1 });
      if (first && index === 0 && /\.log\.\d+/.test(file)) headOfOldest.add(pid);
      first = false;
    });
  });
  return { byPid, headOfOldest };
}

/** Seq files `<name>.<pid>` → recorded seq and when it was recorded. */
interface SeqRecord {
  node: string;
  pid: number;
  recorded: number;
  mtime: number;
}

function seqFiles(seqDir: string): SeqRecord[] {
  const out: SeqRecord[] = [];
  for (const f of fs.existsSync(seqDir) ? fs.readdirSync(seqDir) : []) {
    const m = /^(.+)\.(\d+)$/.exec(f);
    if (!m) continue;
    const file = path.join(seqDir, f);
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!/^\d+$/.test(text)) continue;
    out.push({ node: m[1]!, pid: Number(m[2]), recorded: Number(text), mtime: fs.statSync(file).mtimeMs });
  }
  return out;
}

/** `DROPPING LOG OUTPUT` reports of the manager log, per node: the highest dropped-line count told. */
function dropReports(logDir: string, root: string): Map<string, number> {
  const told = new Map<string, number>();
  // The manager log may itself have been unwritable: its stdout/stderr, kept by the run in its root, count too.
  const captured = fs.existsSync(root)
    ? fs
        .readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isFile() && /\.(out|err|log)$/.test(e.name))
        .map((e) => path.join(root, e.name))
    : [];
  for (const file of [...nodeLogFiles(logDir, 'nodewarden'), ...captured]) {
    for (const line of readLog(file).split('\n')) {
      const m = /node (\S+): DROPPING LOG OUTPUT/.exec(line);
      if (!m) continue;
      const n = /"droppedLines":(\d+)/.exec(line);
      told.set(m[1]!, Math.max(told.get(m[1]!) ?? 0, n ? Number(n[1]) : 0));
    }
  }
  return told;
}

function checkAll(journal: Journal, facts: LogFacts, seqs: readonly SeqRecord[]): Violation[] {
  const { run } = journal;
  const out: Violation[] = [];
  const cache = new Map<string, ReturnType<typeof numberedLines>>();
  const linesOf = (node: string): ReturnType<typeof numberedLines> => {
    let v = cache.get(node);
    if (!v) cache.set(node, (v = numberedLines(run.logDir, node)));
    return v;
  };
  const unwritable = journal.logDirUnwritable;
  for (const sf of seqs) {
    const { byPid, headOfOldest } = linesOf(sf.node);
    const lines = byPid.get(sf.pid) ?? [];
    facts.processesChecked++;
    facts.linesChecked += lines.length;
    const where = (l: LogLine): string =>
      `${l.file}:${l.line} seq ${l.seq}${l.stamp !== null ? ` stamped ${at(journal, l.stamp)}` : ''}`;
    const bad: string[] = [];
    let excused = 0;
    let prev: LogLine | null = null;
    const seen = new Set<number>();
    for (const l of lines) {
      const expected = (prev?.seq ?? 0) + 1;
      if (prev !== null && l.seq <= prev.seq) {
        bad.push(`${seen.has(l.seq) ? 'duplicate' : 'out of order'}: ${where(l)} after ${where(prev)}`);
        continue;
      }
      seen.add(l.seq);
      if (l.seq > expected) {
        const missing = l.seq - expected;
        // The earliest line is lost only to rotation that removed older backups.
        if (prev === null && headOfOldest.has(sf.pid)) facts.rotatedAway += missing;
        else if (gapInUnwritable(journal, prev, l, sf.mtime)) {
          excused += missing;
        } else if (missing <= IN_FLIGHT_MAX_LINES && straddlesKill(journal, prev?.stamp ?? null, l.stamp)) {
          facts.lostInFlight += missing;
        } else
          bad.push(
            `missing seq ${expected}..${l.seq - 1} (${missing} line(s)) before ${where(l)}${prev ? ` after ${where(prev)}` : ''}`,
          );
      }
      prev = l;
    }
    const last = prev?.seq ?? 0;
    if (last < sf.recorded) {
      const missing = sf.recorded - last;
      const unheld = !alive(sf.pid) && noManagerNear(journal, sf.mtime);
      if (unheld) facts.lostUnheld += missing;
      else if (missing <= IN_FLIGHT_MAX_LINES && straddlesKill(journal, prev?.stamp ?? null, sf.mtime))
        facts.lostInFlight += missing;
      else if (
        unwritable.length > 0 &&
        meetsWindows(unwritable, prev?.stamp ?? run.startedAt, sf.mtime, SLACK_MS)
      )
        excused += missing;
      else
        bad.push(
          `the process recorded seq ${sf.recorded} at ${at(journal, sf.mtime)} but the logs end at seq ${last}${prev ? ` (${where(prev)})` : ''}: ${missing} line(s) missing`,
        );
    }
    if (excused > 0) facts.droppedUnwritable[sf.node] = (facts.droppedUnwritable[sf.node] ?? 0) + excused;
    if (bad.length > 0)
      out.push({
        invariant: 3,
        message: `${sf.node} pid ${sf.pid}: ${bad.length} log line problem(s) in ${lines.length} numbered line(s) (recorded seq ${sf.recorded})`,
        evidence: cap(bad),
      });
  }
  const told = dropReports(run.logDir, run.root);
  for (const [node, n] of Object.entries(facts.droppedUnwritable)) {
    if (told.has(node)) continue;
    out.push({
      invariant: 3,
      message: `${node}: ${n} line(s) missing while the log directory was unwritable, but the manager log never reported dropping output for it`,
      evidence: unwritable.map(
        (w) =>
          `unwritable from ${at(journal, w.from)} to ${w.to !== undefined ? at(journal, w.to) : 'the end'}`,
      ),
    });
  }
  return out;
}

/** Whether the lines missing between `prev` and `next` may have been written while the log dir was unwritable. */
function gapInUnwritable(journal: Journal, prev: LogLine | null, next: LogLine, seqMtime: number): boolean {
  const windows = journal.logDirUnwritable;
  if (windows.length === 0) return false;
  // Stamped lines bound the gap in time; without stamps any window before the last record may hold it.
  const from = prev?.stamp ?? journal.run.startedAt;
  const to = next.stamp ?? seqMtime;
  return meetsWindows(windows, from, to, SLACK_MS);
}

/**
 * Whether a manager was killed with SIGKILL between two moments: the arrival
 * stamp of the last line before a gap (written by that manager) and the
 * arrival stamp of the first line after it (or the process's last record).
 * Without stamps the gap cannot be placed, and is not excused.
 */
function straddlesKill(journal: Journal, before: number | null, after: number | null): boolean {
  if (before === null || after === null) return false;
  return journal.managers.some(
    (m) =>
      m.endedBy === 'kill9' &&
      m.endedAt !== undefined &&
      before <= m.endedAt &&
      m.endedAt <= after + SLACK_MS,
  );
}

/** Whether some moment around a process's last seq record had no manager (its FIFO's reader). */
function noManagerNear(journal: Journal, t: number): boolean {
  for (let u = t - SLACK_MS; u <= t + DEATH_MS; u += 250) if (!managerAt(journal, u)) return true;
  return false;
}
