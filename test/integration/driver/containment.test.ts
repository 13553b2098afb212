/**
 * Containment of a node's whole tree by the real ExecDriver: the stop signal
 * is followed by SIGCONT (a stopped node still shuts down cleanly); in cgroup
 * mode a node's setsid'ed, double-forked daemon cannot escape a stop or a
 * crash and the node's cgroup is removed after; in sweep mode (forced, or
 * where cgroups are not writable) the group/session sweep still ends what it
 * can see. Real sim nodes, real signals, real cgroups.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NodewardenError } from '../../../src/errors.js';
import { CONTAINMENT_ENV, nodeCgroupName } from '../../../src/supervisor/cgroup.js';
import type { SpawnedProcess } from '../../../src/supervisor/driver.js';
import {
  containmentFromEnv,
  ExecDriver,
  type ExecDriverOptions,
} from '../../../src/supervisor/exec-driver.js';
import { isAlive, readStartTime, readStat } from '../../../src/supervisor/proc.js';
import { SIM } from '../../helpers/sim-config.js';
import { cgroupPathOf, cgroupUnavailable, removeNodeCgroups } from '../../helpers/cgroups.js';
import { keepingLoopAlive, makeSpec, Pids, tmpDir, waitUntil } from './support.js';

/** A failure bound for a wait that must end long before it; never a pass condition. */
const BOUND_MS = 10_000;

function bounded<T>(p: Promise<T>, what: string, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

interface Sim {
  readonly p: SpawnedProcess;
  readonly out: () => string;
  /** Waits for a line of its output matching re. */
  line(re: RegExp): Promise<RegExpExecArray>;
}

/** One driver on its own temp dir; sims it starts are tracked by pid and ended after. */
function useDriver(opts: ExecDriverOptions) {
  const ctx = {
    dir: '',
    driver: null as unknown as ExecDriver,
    pids: new Pids(),
    async sim(name: string, ...flags: string[]): Promise<Sim> {
      const outFile = path.join(ctx.dir, `${name}.out`);
      const fd = fs.openSync(outFile, 'a');
      const spec = makeSpec(ctx.dir, {
        name,
        binary: process.execPath,
        args: [SIM, '--name', name, ...flags],
        dataDir: path.join(ctx.dir, 'data', name),
      });
      let p: SpawnedProcess;
      try {
        p = await ctx.driver.spawn({ spec, outputFd: fd });
      } finally {
        fs.closeSync(fd);
      }
      ctx.pids.add(p.pid, p.startTime);
      const out = (): string => fs.readFileSync(outFile, 'utf8');
      const line = (re: RegExp): Promise<RegExpExecArray> =>
        waitUntil(
          () =>
            out()
              .split('\n')
              .map((l) => re.exec(l))
              .find(Boolean) ?? null,
          `${name} prints ${re}`,
        );
      await line(new RegExp(`^READY pid=${p.pid} `));
      return { p, out, line };
    },
    /** The pid a sim printed as `<WHAT> pid=<n>`, tracked for cleanup. */
    async child(s: Sim, what: 'DAEMON' | 'GRANDCHILD'): Promise<{ pid: number; start: string }> {
      const pid = Number((await s.line(new RegExp(`^${what} pid=(\\d+)$`)))[1]);
      const start = readStartTime(pid);
      assert.ok(start !== null, `${what} ${pid} is alive`);
      ctx.pids.add(pid, start);
      return { pid, start };
    },
  };
  before(() => {
    ctx.dir = tmpDir();
    ctx.driver = new ExecDriver({ watchIntervalMs: 20, stateDir: path.join(ctx.dir, 'state'), ...opts });
  });
  after(() => {
    ctx.pids.killAll();
    removeNodeCgroups(path.join(ctx.dir, 'state'));
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}

describe('stop signal then SIGCONT', () => {
  const t = useDriver({});

  test('a SIGSTOPped node handles the stop signal and exits cleanly (code 0, its own "stopped" line), no SIGKILL needed', async () => {
    const s = await t.sim('frozen', '--stop-delay', '50');
    process.kill(s.p.pid, 'SIGSTOP');
    await waitUntil(() => readStat(s.p.pid)?.state === 'T', 'the node to be stopped (state T)');

    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    // Without the SIGCONT a stopped node never runs its handler: only a kill would end it.
    const exit = await bounded(s.p.exited, 'the frozen node to exit by its own SIGTERM handler');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(s.out(), /^stopping$/m);
    assert.match(s.out(), /^stopped$/m);
  });
});

describe('cgroup mode', { skip: cgroupUnavailable() ?? false }, () => {
  const t = useDriver({ containment: 'auto' });

  test('the driver reports cgroup containment below a cgroup named after the stateDir', () => {
    const c = t.driver.containment;
    assert.equal(c.mode, 'cgroup');
    assert.match(t.driver.describeContainment(), /^containment: cgroup \/.*nodewarden-[0-9a-f]{12}$/);
  });

  test('stop: a setsid + double-forked daemon of the node is in its cgroup, is asked to stop too, and is gone when the node is; the cgroup is removed', async () => {
    const s = await t.sim('polite', '--spawn-daemon');
    const d = await t.child(s, 'DAEMON');
    const cg = cgroupPathOf(s.p.pid)!;
    assert.ok(cg.endsWith(`/${nodeCgroupName('polite')}`), `node in its own cgroup (${cg})`);
    assert.equal(cgroupPathOf(d.pid), cg, 'the daemon is in the node cgroup');
    const st = readStat(d.pid)!;
    assert.notEqual(st.sid, s.p.pid, 'the daemon left the node session');
    assert.notEqual(st.pgid, s.p.pgid, 'the daemon left the node process group');
    assert.notEqual(st.ppid, s.p.pid, 'the daemon is not a child of the node (double fork)');
    const dir = path.join(
      t.driver.containment.mode === 'cgroup' ? t.driver.containment.dir : '',
      'polite.node',
    );
    assert.ok(fs.existsSync(dir));

    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    const exit = await bounded(s.p.exited, 'the node to stop');
    assert.deepEqual(exit, { code: 0, signal: null }, 'the node stopped by its own handler');
    // Reported gone only once the cgroup is empty: no wait needed here.
    assert.ok(!isAlive(d.pid, d.start), 'the daemon is gone when the node is reported gone');
    assert.ok(!fs.existsSync(dir), 'the node cgroup is removed');
  });

  test('a node whose cgroup holds no leftovers is forked within the spawn call, before its first await', async () => {
    const c = t.driver.containment;
    assert.equal(c.mode, 'cgroup');
    const procs = path.join(c.mode === 'cgroup' ? c.dir : '', nodeCgroupName('eager'), 'cgroup.procs');
    const fd = fs.openSync(path.join(t.dir, 'eager.out'), 'a');
    const spec = makeSpec(t.dir, {
      name: 'eager',
      binary: process.execPath,
      args: [SIM, '--name', 'eager'],
      dataDir: path.join(t.dir, 'data', 'eager'),
    });
    let p: SpawnedProcess;
    let forked: string;
    try {
      const pending = t.driver.spawn({ spec, outputFd: fd });
      // Read in the same synchronous stretch as the call: nothing else has run yet.
      forked = fs.existsSync(procs) ? fs.readFileSync(procs, 'utf8').trim() : '';
      p = await pending;
    } finally {
      fs.closeSync(fd);
    }
    t.pids.add(p.pid, p.startTime);
    await t.driver.killTree(p.pid, p.pgid);
    await bounded(p.exited, 'the node to die');
    assert.equal(forked, String(p.pid), 'the node was in its cgroup when spawn() returned its promise');
  });

  test('stop of a node and daemon that both ignore SIGTERM: the kill after the grace takes the whole cgroup', async () => {
    const s = await t.sim('stubborn', '--spawn-daemon', '--ignore-sigterm');
    const d = await t.child(s, 'DAEMON');
    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    await s.line(/^SIGTERM ignored$/);
    await s.line(/^GRANDCHILD SLEEPER SIGTERM ignored$/);
    assert.ok(isAlive(s.p.pid, s.p.startTime) && isAlive(d.pid, d.start), 'both survive SIGTERM');

    await t.driver.killTree(s.p.pid, s.p.pgid);
    assert.deepEqual(await bounded(s.p.exited, 'the node to die'), { code: null, signal: 'SIGKILL' });
    assert.ok(!isAlive(d.pid, d.start), 'the daemon is gone when the node is reported gone');
  });

  test('a crash kills the daemon the node left behind before the exit is reported (so before any replacement)', async () => {
    const s = await t.sim('crasher', '--spawn-daemon', '--crash-after', '200:3');
    const d = await t.child(s, 'DAEMON');
    const exit = await bounded(s.p.exited, 'the node to crash');
    assert.deepEqual(exit, { code: 3, signal: null });
    assert.ok(!isAlive(d.pid, d.start), 'the orphaned daemon is dead when the crash is reported');
  });

  test('a signalled node whose leader exits first is reported gone only after the grace kill empties its cgroup', async () => {
    const s = await t.sim('lingering', '--spawn-daemon', '--ignore-sigterm');
    const d = await t.child(s, 'DAEMON');
    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    await s.line(/^GRANDCHILD SLEEPER SIGTERM ignored$/);
    // The leader goes (as if it had finished its shutdown); the daemon still ignores SIGTERM.
    process.kill(s.p.pid, 'SIGKILL');
    let reported = false;
    void s.p.exited.then(() => (reported = true));
    // Reaped by this process (its parent) once /proc forgets it: the exit has come in then.
    await waitUntil(() => !fs.existsSync(`/proc/${s.p.pid}`), 'the leader to be reaped');
    await new Promise((r) => setImmediate(r));
    assert.equal(reported, false, 'not gone while its cgroup still holds the daemon');
    assert.ok(isAlive(d.pid, d.start));

    await t.driver.killTree(s.p.pid, s.p.pgid); // the grace timer's escalation
    await bounded(s.p.exited, 'the node to be reported gone');
    assert.ok(!isAlive(d.pid, d.start));
  });

  test('adoption: watch() of a survivor in its node cgroup ends with the whole cgroup, daemon included', async () => {
    const other = new ExecDriver({
      watchIntervalMs: 20,
      stateDir: path.join(t.dir, 'state'),
      containment: 'auto',
    });
    const s = await t.sim('survivor', '--spawn-daemon', '--ignore-sigterm');
    const d = await t.child(s, 'DAEMON');
    const identity = { pid: s.p.pid, pgid: s.p.pgid, startTime: s.p.startTime, argv: s.p.argv };
    // A second driver on the same stateDir plays the next manager.
    const gone = other.watch(identity);
    other.signalGroup(identity.pgid, 'SIGTERM');
    await s.line(/^SIGTERM ignored$/);
    await other.killTree(identity.pid, identity.pgid);
    await keepingLoopAlive(bounded(gone, 'the adopted node to be gone'));
    assert.ok(!isAlive(d.pid, d.start), 'the daemon went with its node');
  });
});

describe(
  'cgroup mode without cgroup.kill (freeze + SIGKILL of each member)',
  { skip: cgroupUnavailable() ?? false },
  () => {
    const t = useDriver({ containment: 'auto', cgroupKillFile: false });

    test('killTree ends a SIGTERM-ignoring node and its double-forked daemon', async () => {
      const s = await t.sim('listkill', '--spawn-daemon', '--ignore-sigterm');
      const d = await t.child(s, 'DAEMON');
      await t.driver.killTree(s.p.pid, s.p.pgid);
      assert.deepEqual(await bounded(s.p.exited, 'the node to die'), { code: null, signal: 'SIGKILL' });
      assert.ok(!isAlive(d.pid, d.start), 'the daemon is gone when the node is reported gone');
      const dir = path.join(
        t.driver.containment.mode === 'cgroup' ? t.driver.containment.dir : '',
        'listkill.node',
      );
      assert.ok(!fs.existsSync(dir), 'the node cgroup is removed');
    });
  },
);

describe('sweep mode (forced)', () => {
  const t = useDriver({ containment: 'sweep' });

  test('reports the sweep and why; nodes are in no nodewarden cgroup', async () => {
    assert.deepEqual(t.driver.containment, { mode: 'sweep', reason: `forced by ${CONTAINMENT_ENV}=sweep` });
    assert.equal(
      t.driver.describeContainment(),
      `containment: process group + session sweep (forced by ${CONTAINMENT_ENV}=sweep)`,
    );
    const s = await t.sim('plain');
    assert.doesNotMatch(cgroupPathOf(s.p.pid) ?? '', /nodewarden-/);
    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    assert.deepEqual(await bounded(s.p.exited, 'the node to stop'), { code: 0, signal: null });
  });

  test('killTree still ends a SIGTERM-ignoring node and its SIGTERM-ignoring grandchild', async () => {
    const s = await t.sim('tree', '--spawn-child', '--ignore-sigterm');
    const g = await t.child(s, 'GRANDCHILD');
    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    await s.line(/^GRANDCHILD SLEEPER SIGTERM ignored$/);
    await t.driver.killTree(s.p.pid, s.p.pgid);
    assert.deepEqual(await bounded(s.p.exited, 'the node to die'), { code: null, signal: 'SIGKILL' });
    await waitUntil(() => !isAlive(g.pid, g.start), 'the grandchild to be gone');
  });

  test('a frozen node is woken by the SIGCONT after the stop signal here too', async () => {
    const s = await t.sim('frozen');
    process.kill(s.p.pid, 'SIGSTOP');
    await waitUntil(() => readStat(s.p.pid)?.state === 'T', 'the node to be stopped');
    t.driver.signalGroup(s.p.pgid, 'SIGTERM');
    assert.deepEqual(await bounded(s.p.exited, 'the node to exit'), { code: 0, signal: null });
  });
});

test(`${CONTAINMENT_ENV}: auto and sweep are taken, anything else is an error naming the variable and the value`, () => {
  assert.equal(containmentFromEnv({}), 'auto');
  assert.equal(containmentFromEnv({ [CONTAINMENT_ENV]: 'sweep' }), 'sweep');
  assert.equal(containmentFromEnv({ [CONTAINMENT_ENV]: 'auto' }), 'auto');
  assert.throws(
    () => containmentFromEnv({ [CONTAINMENT_ENV]: 'cgroups' }),
    (err: unknown) =>
      err instanceof NodewardenError &&
      err.code === 'E_CONFIG_INVALID' &&
      err.message === `environment variable ${CONTAINMENT_ENV}: expected "auto" or "sweep", got "cgroups"`,
  );
});
