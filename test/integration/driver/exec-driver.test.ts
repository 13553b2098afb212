import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn as spawnChild } from 'node:child_process';
import { NodewardenError } from '../../../src/errors.js';
import { descendants, isAlive, processTable, readStartTime, readStat } from '../../../src/supervisor/proc.js';
import { keepingLoopAlive, makeSpec, SH, SLEEP, useDriverBed, waitUntil } from './support.js';

describe('ExecDriver with real processes', () => {
  const bed = useDriverBed();
  const output = bed.output;
  const spawn = async (spec: ReturnType<typeof makeSpec>) => {
    const p = await bed.driver.spawn({ spec, outputFd: bed.outFd });
    bed.pids.add(p.pid, p.startTime);
    return p;
  };

  test('spawn renders files, merges env, leads its own session and group; a group signal stops the whole group', async () => {
    const dataDir = path.join(bed.dir, 'group', 'data');
    const script =
      'echo "var=$NW_TEST_VAR home=${HOME:+set}"; cat conf/app.json; echo; pwd; sleep 1000 & wait';
    const spec = makeSpec(bed.dir, {
      name: 'grp',
      binary: SH,
      args: ['-c', script],
      dataDir,
      cwd: dataDir,
      env: { NW_TEST_VAR: 'hello' },
      files: [{ path: path.join(dataDir, 'conf', 'app.json'), content: '{"port":1}' }],
    });
    const p = await spawn(spec);
    assert.equal(p.pgid, p.pid);
    assert.deepEqual(p.argv, [SH, '-c', script]);
    assert.equal(p.startTime, readStartTime(p.pid));
    const st = readStat(p.pid)!;
    assert.equal(st.pgid, p.pid, 'own process group');
    assert.equal(st.sid, p.pid, 'own session');
    await waitUntil(() => output().includes(dataDir), 'the node to print its cwd');
    assert.match(output(), /var=hello home=set/);
    assert.match(output(), /\{"port":1\}/);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'conf')), ['app.json'], 'no temp file left behind');
    const kids = await waitUntil(() => {
      const d = descendants(p.pid, processTable());
      return d.length > 0 ? d : null;
    }, 'the sleep child');
    const kidStart = readStartTime(kids[0]!)!;

    bed.driver.signalGroup(p.pgid, 'SIGTERM');
    assert.deepEqual(await p.exited, { code: null, signal: 'SIGTERM' });
    await waitUntil(() => !isAlive(kids[0]!, kidStart), 'the child in the group to be gone');
  });

  test('killTree kills a SIGTERM-ignoring node, its child and a grandchild that left the session', async () => {
    // Children start while TERM is ignored (they inherit SIG_IGN); then sh traps TERM to report it.
    const script =
      'trap "" TERM; setsid sleep 1000 & sleep 1000 & trap "echo term-ignored" TERM; echo ready; while :; do wait; done';
    const p = await spawn(
      makeSpec(bed.dir, {
        name: 'tree',
        binary: SH,
        args: ['-c', script],
        dataDir: path.join(bed.dir, 'tree'),
      }),
    );
    const tree = await waitUntil(() => {
      const d = descendants(p.pid, processTable());
      return d.length === 2 ? d : null;
    }, 'two children');
    const members = [p.pid, ...tree].map((pid) => ({ pid, start: readStartTime(pid)! }));
    for (const m of members) bed.pids.add(m.pid, m.start);
    await waitUntil(
      () => tree.some((pid) => readStat(pid)?.sid !== p.pid),
      'setsid to move one child into its own session',
    );

    bed.driver.signalGroup(p.pgid, 'SIGTERM');
    await waitUntil(() => output().includes('term-ignored'), 'the node to survive SIGTERM');
    assert.ok(
      members.every((m) => isAlive(m.pid, m.start)),
      'SIGTERM ignored by all',
    );

    await bed.driver.killTree(p.pid, p.pgid);
    assert.deepEqual(await p.exited, { code: null, signal: 'SIGKILL' });
    await waitUntil(
      () => members.every((m) => !isAlive(m.pid, m.start)),
      'every process of the tree to be gone',
    );
  });

  test('a missing binary, a bad cwd and a non-executable file reject with E_SPAWN_FAILED naming the binary and the OS code', async () => {
    const notExecutable = path.join(bed.dir, 'not-executable');
    fs.writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    const cases: Array<[Partial<ReturnType<typeof makeSpec>> & { binary: string }, RegExp]> = [
      [
        { binary: '/nonexistent/bin/antnode' },
        /cannot run \/nonexistent\/bin\/antnode: ENOENT \(no such file\)/,
      ],
      [
        { binary: SLEEP, cwd: path.join(bed.dir, 'no-such-dir') },
        /cannot run .*sleep: ENOENT \(working directory .*no-such-dir does not exist\)/,
      ],
      [{ binary: notExecutable }, /cannot run .*not-executable: EACCES \(permission denied/],
      [
        {
          binary: '/nonexistent/bin/antnode',
          limits: { nofile: 1024, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
        },
        /cannot run \/nonexistent\/bin\/antnode: ENOENT/,
      ],
    ];
    for (const [over, message] of cases) {
      const spec = makeSpec(bed.dir, { name: 'bad', dataDir: path.join(bed.dir, 'bad'), ...over });
      await assert.rejects(bed.driver.spawn({ spec, outputFd: bed.outFd }), (err: unknown) => {
        assert.ok(err instanceof NodewardenError);
        assert.equal(err.code, 'E_SPAWN_FAILED');
        assert.match(err.message, message);
        return true;
      });
    }
    // A dataDir that cannot be created (a file is in the way) is named too.
    const blocker = path.join(bed.dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const spec = makeSpec(bed.dir, { name: 'bad', binary: SLEEP, dataDir: path.join(blocker, 'data') });
    await assert.rejects(
      bed.driver.spawn({ spec, outputFd: bed.outFd }),
      /node bad: cannot prepare .*blocker.*: (ENOTDIR|EEXIST)/,
    );
    // A failed spawn leaves no node lock behind.
    assert.equal(fs.existsSync(path.join(bed.dir, 'bad', '.nodewarden-node.lock')), false);
  });

  test("limits.nofile is applied through prlimit, and the pid and argv stay the node's", async () => {
    const spec = makeSpec(bed.dir, {
      name: 'nofile',
      binary: SLEEP,
      args: ['1000'],
      dataDir: path.join(bed.dir, 'nofile'),
      limits: { nofile: 4242, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
    });
    const p = await spawn(spec);
    assert.deepEqual(p.argv, [SLEEP, '1000']);
    const limits = fs.readFileSync(`/proc/${p.pid}/limits`, 'utf8');
    assert.match(limits, /Max open files\s+4242\s+4242\s+files/);
    await bed.driver.killTree(p.pid, p.pgid);
    assert.equal((await p.exited).signal, 'SIGKILL');
  });

  test('a limits.nofile prlimit cannot set fails the spawn clearly', async () => {
    const nrOpen = Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8'));
    const spec = makeSpec(bed.dir, {
      name: 'toomany',
      binary: SLEEP,
      args: ['1000'],
      dataDir: path.join(bed.dir, 'toomany'),
      limits: { nofile: nrOpen + 1, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
    });
    await assert.rejects(bed.driver.spawn({ spec, outputFd: bed.outFd }), (err: unknown) => {
      assert.ok(err instanceof NodewardenError);
      assert.equal(err.code, 'E_SPAWN_FAILED');
      assert.match(
        err.message,
        new RegExp(
          `prlimit could not set limits.nofile to ${nrOpen + 1} \\(exit 1\\); this manager's hard limit is \\d+`,
        ),
      );
      return true;
    });
  });

  test(
    'user runs the node under that uid and its primary gid',
    { skip: process.getuid?.() !== 0 && 'needs root' },
    async () => {
      const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
      const dataDir = path.join(bed.dir, 'as-nobody');
      const p = await spawn(
        makeSpec(bed.dir, { name: 'nobody', binary: SLEEP, args: ['1000'], dataDir, user: 'nobody' }),
      );
      const status = fs.readFileSync(`/proc/${p.pid}/status`, 'utf8');
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
      assert.match(status, new RegExp(`^Gid:\\s+${gid}\\s`, 'm'));
      assert.equal(fs.statSync(dataDir).uid, uid, 'a dataDir created for the node belongs to its user');
      await bed.driver.killTree(p.pid, p.pgid);
      await p.exited;
      const spec = makeSpec(bed.dir, { name: 'ghost', binary: SLEEP, dataDir, user: 'no-such-user-nw' });
      await assert.rejects(
        bed.driver.spawn({ spec, outputFd: bed.outFd }),
        /user "no-such-user-nw" does not exist/,
      );
    },
  );

  test('a second copy of a node cannot start while the first runs (node lock); it can once the first is gone', async () => {
    const spec = makeSpec(bed.dir, {
      name: 'single',
      binary: SLEEP,
      args: ['1000'],
      dataDir: path.join(bed.dir, 'single'),
    });
    const first = await spawn(spec);
    await assert.rejects(bed.driver.spawn({ spec, outputFd: bed.outFd }), (err: unknown) => {
      assert.ok(err instanceof NodewardenError);
      assert.equal(err.code, 'E_NODE_LOCKED');
      assert.match(err.message, new RegExp(`process ${first.pid}\\b`));
      return true;
    });
    await bed.driver.killTree(first.pid, first.pgid);
    await first.exited;
    const second = await spawn(spec);
    await bed.driver.killTree(second.pid, second.pgid);
    await second.exited;
  });

  test('watch resolves when a process this manager did not spawn is gone, and at once for a reused pid', async () => {
    // A detached sleep started by the test itself, not by the driver (like a survivor of an old manager).
    const orphan = spawnChild(SLEEP, ['1000'], { detached: true, stdio: 'ignore' });
    orphan.unref();
    const pid = orphan.pid!;
    const startTime = await waitUntil(() => readStartTime(pid), 'the orphan in /proc');
    bed.pids.add(pid, startTime);
    const identity = { pid, pgid: readStat(pid)!.pgid, startTime, argv: [SLEEP, '1000'] };

    assert.deepEqual(await bed.driver.watch({ ...identity, startTime: '1' }), { code: null, signal: null });
    const gone = bed.driver.watch(identity);
    process.kill(pid, 'SIGKILL');
    // The driver's poll timer is unref'd (it never holds the manager up), so hold the loop here.
    assert.deepEqual(await keepingLoopAlive(gone), { code: null, signal: null });
  });

  test('signals to pid/group 0, 1 or the manager itself are refused', () => {
    for (const bad of [0, 1, -5, process.pid]) {
      assert.throws(() => bed.driver.signalGroup(bad, 'SIGTERM'), /refusing to signal/);
    }
  });
});
