/**
 * The live verbs through the built CLI against a real daemon of simulated
 * nodes: `logs` over several nodes (names, globs, all; interleaved by the
 * arrival stamps `logs.timestamps` writes, or followed with -f), `events -f`
 * and `status --watch`. Each followed CLI is a child process read until the
 * expected output shows up, then ended by its pid.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lineStampMs } from '../../../src/logs/line-stamp.js';
import { CLI, simArgs, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

/** A CLI child whose output the test reads as it comes. */
interface Live {
  readonly child: ChildProcessWithoutNullStreams;
  out(): string;
  err(): string;
  /** Resolves once stdout satisfies `fact` (fails if the child exits first). */
  until(fact: (out: string) => boolean, what: string): Promise<void>;
  /** SIGTERM by pid; resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

function live(configDir: string, args: string[]): Live {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODEWARDEN_CONFIG;
  const child = spawn(process.execPath, [CLI, '--config', configDir, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    async until(fact, what) {
      await waitUntil(
        () => {
          if (fact(out)) return true;
          if (child.exitCode !== null)
            throw new Error(
              `${args.join(' ')} exited (${child.exitCode}) before ${what}; stdout: ${out} stderr: ${err}`,
            );
          return false;
        },
        `${args.join(' ')} prints ${what}; stdout so far: ${out.slice(-2000)}`,
        20_000,
      );
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Ends a child left running by a failed test, by its pid. */
function reap(l: Live | null): void {
  if (l && l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGKILL');
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('logs, events -f and status --watch against a running daemon', { timeout: 180_000 }, () => {
  let t: TestDaemon;
  let logDir: string;
  const logLines = (name: string): string[] =>
    fs.existsSync(path.join(logDir, `${name}.log`))
      ? lines(fs.readFileSync(path.join(logDir, `${name}.log`), 'utf8'))
      : [];
  /** A node's lines across its rotated files too, oldest first (b rotates about every second). */
  const historyLines = (name: string): string[] => {
    const files = fs
      .readdirSync(logDir)
      .map((f) => new RegExp(`^${name}\\.log(?:\\.(\\d+))?$`).exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(b[1] ?? 0) - Number(a[1] ?? 0));
    return files.flatMap((m) => lines(fs.readFileSync(path.join(logDir, m[0]), 'utf8')));
  };

  before(async () => {
    const chatty = { args: simArgs('--block-ms', '1000', '--log-every', '40') };
    t = await startTestDaemon({
      nodes: { ant: { instances: 2, ...chatty }, b: { ...chatty, logs: { maxBytes: 3000, backups: 20 } } },
    });
    logDir = t.daemon.manager.logDir;
    await t.waitRunning();
    await waitUntil(
      () => ['ant-1', 'ant-2', 'b'].every((n) => logLines(n).length >= 8),
      'every node has written 8 lines',
      20_000,
    );
  });
  after(async () => t?.close());

  test('logs.timestamps (default on): every line in <name>.log starts with its arrival time in ISO-8601 UTC', () => {
    const before = Date.now();
    const got = logLines('ant-1');
    assert.ok(got.length >= 8);
    for (const l of got) assert.match(l, STAMP, l);
    assert.match(
      got.find((l) => l.includes('READY pid='))!,
      /^\S+Z READY pid=\d+ port=\d+$/,
    );
    const stamps = got.map((l) => lineStampMs(l)!);
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! >= stamps[i - 1]!, 'stamps never go back');
    assert.ok(stamps[stamps.length - 1]! <= before);
    assert.ok(stamps[0]! > before - 120_000);
  });

  test('logs all: the last n lines of every node, interleaved by arrival time behind padded name prefixes', async () => {
    const r = await t.cli(['logs', 'all', '-n', '5', '-t']);
    assert.equal(r.code, 0, r.stderr);
    const got = lines(r.stdout);
    assert.equal(got.length, 15, r.stdout);
    const parsed = got.map((l) => {
      const m = /^(ant-1|ant-2|b {4}) \| (.*)$/.exec(l);
      assert.ok(m, `prefixed: ${JSON.stringify(l)}`);
      // -t: the arrival stamp, then the sim's own time.
      assert.match(m[2]!, /^\S+Z \S+Z INFO sim\[/);
      return { node: m[1]!.trim(), line: m[2]! };
    });
    for (const n of ['ant-1', 'ant-2', 'b']) {
      assert.equal(parsed.filter((p) => p.node === n).length, 5, n);
      // Each node's lines are five consecutive lines of its log, in file order
      // (read after the CLI did: b may have rotated them into b.log.1 since).
      const own = parsed.filter((p) => p.node === n).map((p) => p.line);
      // A rotation between listing and reading the files can shift them: read again then.
      let file = historyLines(n);
      for (let tries = 0; tries < 5 && file.indexOf(own[0]!) < 0; tries++) file = historyLines(n);
      const at = file.indexOf(own[0]!);
      assert.ok(at >= 0, `${n}: ${own[0]} is in ${n}.log or its rotations`);
      assert.deepEqual(own, file.slice(at, at + 5));
    }
    const stamps = parsed.map((p) => lineStampMs(p.line)!);
    for (let i = 1; i < stamps.length; i++)
      assert.ok(stamps[i]! >= stamps[i - 1]!, `time order at ${got[i]}`);
  });

  test('logs with a glob takes only the matching nodes; one node by name prints bare lines unless --prefix', async () => {
    const glob = await t.cli(['logs', 'ant-*', '-n', '3']);
    assert.equal(glob.code, 0, glob.stderr);
    const got = lines(glob.stdout);
    assert.equal(got.length, 6);
    for (const l of got) assert.match(l, /^ant-[12] \| \S+Z /);

    // The arrival stamps are hidden unless -t: lines show as the node printed them (the sim stamps its own).
    const bare = await t.cli(['logs', 'b', '-n', '2']);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(lines(bare.stdout).length, 2);
    for (const l of lines(bare.stdout)) assert.match(l, /^\S+Z INFO sim\[b\] height=/);
    const stamped = await t.cli(['logs', 'b', '-n', '2', '-t']);
    for (const l of lines(stamped.stdout)) assert.match(l, /^\S+Z \S+Z INFO sim\[b\] height=/);
    const prefixed = await t.cli(['logs', 'b', '-n', '2', '--prefix']);
    assert.deepEqual(
      lines(prefixed.stdout).map((l) => l.slice(0, 4)),
      ['b | ', 'b | '],
    );

    const json = await t.cli(['logs', 'ant-1', 'b', '-n', '2', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { nodes: Record<string, string[]> };
    assert.deepEqual(Object.keys(doc.nodes), ['ant-1', 'b']);
    assert.equal(doc.nodes['ant-1']!.length, 2);
    assert.equal(doc.nodes['b']!.length, 2);
  });

  test('logs naming an unknown node or a glob that matches nothing is an error (exit 1), a bad name exit 2', async () => {
    const r = await t.cli(['logs', 'ant-1', 'zz', 'nope-*']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no such node: "zz", "nope-\*" \(not in the config, no log in .*\)/);
    assert.equal((await t.cli(['logs', 'ant-1', '../x'])).code, 2);
  });

  test('logs -f over several nodes prints each node’s new lines behind its prefix, across rotations', async () => {
    let f: Live | null = null;
    let j: Live | null = null;
    try {
      f = live(t.configDir, ['logs', 'ant-1', 'b', '-f', '-n', '0', '-t']);
      j = live(t.configDir, ['logs', 'ant-*', '-f', '-n', '1', '--json']);
      const bRotated = (): number => fs.readdirSync(logDir).filter((x) => /^b\.log\.\d+$/.test(x)).length;
      const startRotated = bRotated();
      // b's log is 3000 bytes × 20: it rotates every ~30 lines, so this spans rotations.
      await f.until((o) => lines(o).filter((l) => l.startsWith('b     | ')).length >= 80, '80 lines of b');
      assert.ok(
        bRotated() >= startRotated + 2,
        `b's log rotated meanwhile (${startRotated} → ${bRotated()})`,
      );
      await f.until((o) => o.includes('ant-1 | '), 'a line of ant-1');
      const got = lines(f.out());
      for (const l of got) assert.match(l, /^(ant-1|b {4}) \| \S+Z \S+Z INFO sim\[(ant-1|b)\] height=/);
      for (const l of got) assert.equal(l.slice(0, 5).trim(), /sim\[([^\]]+)\]/.exec(l)![1], 'right prefix');
      // Followed lines of b are the file's lines, in order, none missing or repeated.
      const bOut = got.filter((l) => l.startsWith('b ')).map((l) => l.slice(8));
      const stamps = bOut.map((l) => lineStampMs(l)!);
      for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! >= stamps[i - 1]!);
      assert.equal(new Set(bOut).size, bOut.length, 'no line twice');

      await j.until((o) => lines(o).length >= 6, 'six JSON lines');
      const objs = lines(j.out()).map((l) => JSON.parse(l) as { node: string; line: string });
      for (const o of objs) {
        assert.deepEqual(Object.keys(o), ['node', 'line']);
        assert.ok(o.node === 'ant-1' || o.node === 'ant-2', o.node);
        assert.match(
          o.line,
          new RegExp(`^\\S+Z INFO sim\\[${o.node}\\] |^READY `),
          'no arrival stamp without -t',
        );
      }
      assert.equal(await f.stop(), 0);
      assert.equal(await j.stop(), 0);
    } finally {
      reap(f);
      reap(j);
    }
  });

  test('events -f prints the recent events, then an event recorded after it started, exactly once', async () => {
    let text: Live | null = null;
    let json: Live | null = null;
    try {
      text = live(t.configDir, ['events', '-f', '--node', 'ant-1']);
      json = live(t.configDir, ['events', '-f', '--json', '--type', 'restarting,started']);
      const started = (o: string): number => lines(o).filter((l) => /\bant-1\s+started\b/.test(l)).length;
      await text.until((o) => o.startsWith('TIME') && started(o) === 1, 'the header and ant-1 started');
      await json.until((o) => lines(o).length >= 3, 'the three stored started events');
      const jsonBefore = lines(json.out()).length;
      assert.equal(lines(text.out()).filter((l) => l.includes('restarting')).length, 0);

      const r = await t.cli(['restart', 'ant-1', '--wait']);
      assert.equal(r.code, 0, r.stderr);
      await text.until((o) => started(o) === 2, 'ant-1 started again');
      const after = lines(text.out());
      assert.equal(after.filter((l) => /\bant-1\s+restarting\b/.test(l)).length, 1, text.out());
      for (const l of after.slice(1)) assert.match(l, /^\S+Z\s+ant-1\s/, 'only ant-1');

      await json.until((o) => lines(o).length >= jsonBefore + 2, 'two new events as JSON');
      const fresh = lines(json.out())
        .slice(jsonBefore)
        .map((l) => JSON.parse(l) as { node: string; type: string });
      assert.deepEqual(
        fresh.map((e) => `${e.node} ${e.type}`),
        ['ant-1 restarting', 'ant-1 started'],
      );
      assert.equal(await text.stop(), 0);
      assert.equal(await json.stop(), 0);
    } finally {
      reap(text);
      reap(json);
    }
  });

  test('events -f --node with a glob: the stored events of the nodes it matches, oldest first, then their new ones only', async () => {
    let text: Live | null = null;
    let json: Live | null = null;
    try {
      text = live(t.configDir, ['events', '-f', '--node', 'ant-*']);
      json = live(t.configDir, ['events', '-f', '--json', '--node', 'ant-*']);
      const startedOf = (o: string, node: string): number =>
        lines(o).filter((l) => new RegExp(`\\b${node}\\s+started\\b`).test(l)).length;
      await text.until(
        (o) => o.startsWith('TIME') && startedOf(o, 'ant-1') >= 1 && startedOf(o, 'ant-2') >= 1,
        'the header and both ants started',
      );
      await json.until((o) => lines(o).length >= 2, 'the stored events of both ants');
      const stored = lines(json.out()).map((l) => JSON.parse(l) as { id: number; ts: number; node: string });
      assert.deepEqual([...new Set(stored.map((e) => e.node))].sort(), ['ant-1', 'ant-2']);
      for (let i = 1; i < stored.length; i++) {
        const [a, b] = [stored[i - 1]!, stored[i]!];
        assert.ok(a.ts < b.ts || (a.ts === b.ts && a.id < b.id), `oldest first: ${JSON.stringify([a, b])}`);
      }
      const jsonBefore = stored.length;

      // b's events come first on the bus: once ant-2's are printed, b's would have been too.
      assert.equal((await t.cli(['restart', 'b', '--wait'])).code, 0);
      const r = await t.cli(['restart', 'ant-2', '--wait']);
      assert.equal(r.code, 0, r.stderr);
      await text.until((o) => startedOf(o, 'ant-2') >= 2, 'ant-2 started again');
      await json.until((o) => lines(o).length >= jsonBefore + 2, 'two new events as JSON');
      for (const l of lines(text.out()).slice(1)) assert.match(l, /^\S+Z\s+ant-[12]\s/, 'only the ants');
      const fresh = lines(json.out())
        .slice(jsonBefore)
        .map((l) => JSON.parse(l) as { node: string; type: string });
      assert.deepEqual(
        fresh.map((e) => `${e.node} ${e.type}`),
        ['ant-2 restarting', 'ant-2 started'],
      );
      assert.equal(await text.stop(), 0);
      assert.equal(await json.stop(), 0);

      // A glob that matches no configured node is refused at once, as `events` refuses it.
      const none = live(t.configDir, ['events', '-f', '--node', 'zzz-*']);
      text = none;
      assert.equal(await none.exited, 1);
      assert.match(none.err(), /zzz-\*/);
      assert.match(none.err(), /no such node/);
      assert.equal(none.out(), '');
    } finally {
      reap(text);
      reap(json);
    }
  });

  test('status --watch prints a snapshot per interval; a node stopped meanwhile shows stopped in a later one', async () => {
    let w: Live | null = null;
    try {
      w = live(t.configDir, ['status', '--watch', '--interval', '200ms', 'ant-*']);
      const snapshots = (o: string): string[] => o.split(/^nodewarden status at /m).slice(1);
      const stateOf = (snap: string, node: string): string | undefined =>
        new RegExp(`^${node}\\s+(\\S+)`, 'm').exec(snap)?.[1];
      await w.until((o) => snapshots(o).some((s) => stateOf(s, 'ant-2') === 'running'), 'ant-2 running');
      const r = await t.cli(['stop', 'ant-2', '--wait']);
      assert.equal(r.code, 0, r.stderr);
      await w.until((o) => snapshots(o).some((s) => stateOf(s, 'ant-2') === 'stopped'), 'ant-2 stopped');
      const snaps = snapshots(w.out());
      const firstStopped = snaps.findIndex((s) => stateOf(s, 'ant-2') === 'stopped');
      assert.ok(firstStopped > 0, 'running in an earlier snapshot, stopped in a later one');
      for (const s of snaps) {
        assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z \(every 0\.2s; Ctrl-C to quit\)\n\nNAME/);
        assert.equal(stateOf(s, 'b'), undefined, 'only the nodes the glob names');
      }
      assert.ok(!w.out().includes('\u001b['), 'no escape codes when stdout is not a terminal');
      assert.equal(await w.stop(), 0);
      assert.equal((await t.cli(['start', 'ant-2', '--wait'])).code, 0);
    } finally {
      reap(w);
    }
  });

  test('status --watch on a terminal clears the screen and redraws in place', async (ctx) => {
    if (!fs.existsSync('/usr/bin/script')) return ctx.skip('no script(1) to give the CLI a pseudo-terminal');
    const q = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
    const cmd = [
      process.execPath,
      CLI,
      '--config',
      t.configDir,
      'status',
      '--watch',
      '--interval',
      '200ms',
      'b',
    ]
      .map(q)
      .join(' ');
    // script(1) runs the CLI on a pseudo-terminal through $SHELL -c; -e passes the
    // CLI's exit code on. `exec` makes the CLI script's own child whatever the shell
    // (dash, the usual /bin/sh, stays in between otherwise and dies of the SIGTERM).
    const pty = spawn('/usr/bin/script', ['-qfec', `exec ${cmd}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    pty.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => pty.once('exit', (code) => resolve(code)));
    let cli: number | null = null;
    try {
      const CLEAR = '\u001b[H\u001b[2J';
      await waitUntil(
        () => out.split(CLEAR).length >= 3,
        `two redraws on the terminal; got ${JSON.stringify(out)}`,
        20_000,
      );
      const frames = out.split(CLEAR).slice(1);
      for (const f of frames.slice(0, 2)) {
        assert.match(f, /^nodewarden status at \S+Z \(every 0\.2s; Ctrl-C to quit\)\r?\n\r?\n/);
        assert.match(f, /\bb\s+\S*running/);
      }
      cli = Number(
        fs.readFileSync(`/proc/${pty.pid}/task/${pty.pid}/children`, 'utf8').trim().split(/\s+/)[0],
      );
      assert.ok(cli > 0, 'the CLI under script(1)');
      process.kill(cli, 'SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (pty.exitCode === null && pty.signalCode === null) {
        if (cli) process.kill(cli, 'SIGKILL');
        pty.kill('SIGKILL');
      }
    }
  });

  test('events -f whose daemon goes away says so in one line and exits 1', async () => {
    let f: Live | null = null;
    try {
      f = live(t.configDir, ['events', '-f', '--limit', '1']);
      await f.until((o) => lines(o).length >= 2, 'the first event');
      await t.daemon.stop();
      assert.equal(await f.exited, 1);
      assert.match(
        f.err(),
        /^nodewarden: the daemon on .*nodewarden\.sock went away; stopped following events\n$/,
      );
    } finally {
      reap(f);
    }
  });
});

describe('logs.timestamps: false', { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon({ manager: { logs: { timestamps: false } }, nodes: { n: {} } });
    await t.waitRunning();
  });
  after(async () => t?.close());

  test('lines go to <name>.log as the node printed them', async () => {
    const file = path.join(t.daemon.manager.logDir, 'n.log');
    await waitUntil(
      () => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('READY'),
      'READY in n.log',
    );
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^READY pid=\d+ port=\d+\n/m);
    assert.doesNotMatch(text, /\d{2}:\d{2}:\d{2}\.\d{3}Z /);
  });
});
