import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/issues.js';
import type { LoadedConfig, ManagerConfig, NodeSpec } from '../../../src/config/types.js';
import { EventBus } from '../../../src/events/bus.js';
import type { NodewardenEvent, ProcessRecord } from '../../../src/events/types.js';
import { nullLogger } from '../../../src/logger.js';
import type { NodeLockFacts } from '../../../src/supervisor/adoption.js';
import type { ProcessIdentity } from '../../../src/supervisor/driver.js';
import { Supervisor, type PersistedNode, type ReloadStaging } from '../../../src/supervisor/supervisor.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeDriver, flush } from '../../helpers/fake-driver.js';
import { identity, testSpec } from './fixtures.js';

/**
 * The Supervisor's boot and reload on a FakeDriver and a FakeClock: which
 * survivors are adopted or reaped, that a reap holds up no other node's
 * (paced) start, and that a reload whose preparation fails touches nothing.
 */

const spec = (name: string, o: { runHash?: string; graceMs?: number } = {}): NodeSpec =>
  testSpec({ name, runHash: o.runHash ?? 'hash-1', stop: { graceMs: o.graceMs ?? 5000 } });

function setup(
  nodes: NodeSpec[],
  o: {
    alive?: ProcessIdentity[];
    locks?: Record<string, NodeLockFacts>;
    concurrency?: number;
    openLog?: (s: NodeSpec) => Promise<{ outputFd(): number; close(): Promise<void> }>;
  } = {},
) {
  const clock = new FakeClock({ now: 0 });
  const bus = new EventBus(() => clock.wallNow());
  const driver = new FakeDriver({ firstPid: 100, now: () => clock.now() });
  const manager = {
    configDir: '/etc/nodewarden',
    startup: { concurrency: o.concurrency ?? 0, intervalMs: 0 },
    control: { socket: '/run/nw.sock', http: {} },
  } as unknown as ManagerConfig;
  const events: NodewardenEvent[] = [];
  const records: ProcessRecord[] = [];
  const closed: string[] = [];
  bus.on('event', (e) => events.push(e));
  bus.on('process', (p) => records.push(p));
  const claimed: string[] = [];
  const alive = o.alive ?? [];
  const supervisor = Supervisor.create(
    { manager, nodes },
    {
      driver,
      clock,
      bus,
      logger: nullLogger,
      openLog:
        o.openLog ??
        (async (s) => ({
          outputFd: () => 99,
          close: async () => void closed.push(s.name),
        })),
      inspect: (id) => {
        const hit = alive.find((a) => a.pid === id.pid && a.startTime === id.startTime);
        return { alive: hit !== undefined, argv: hit?.argv ?? null };
      },
      nodeLock: (s) => o.locks?.[s.dataDir] ?? null,
      claimNodeLock: (s, id) => void claimed.push(`${s.name}:${id.pid}`),
      random: () => 0.5,
    },
  );
  const of = (node: string, type?: string) =>
    events.filter((e) => e.node === node && (type === undefined || e.type === type));
  return { clock, bus, driver, supervisor, events, records, closed, claimed, manager, of };
}

const persisted = (o: Partial<PersistedNode> = {}): PersistedNode => ({
  desired: 'running',
  held: false,
  identity: null,
  runHash: 'hash-1',
  ...o,
});

describe('Supervisor boot', () => {
  test('a survivor whose config changed is reaped in its runner while the other node starts; then it starts, paced', async () => {
    const old = identity(4242);
    const s = setup([spec('a', { runHash: 'new', graceMs: 60_000 }), spec('b')], {
      alive: [old],
      concurrency: 1,
    });
    const sup = await s.supervisor;
    sup.boot(new Map([['a', persisted({ identity: old, runHash: 'old' })]]));
    assert.deepEqual(
      sup.snapshots().map((n) => [n.name, n.state, n.pid]),
      [
        ['a', 'stopping', 4242],
        ['b', 'starting', null],
      ],
      'boot returned at once: a is being reaped, b is starting',
    );
    assert.deepEqual(s.driver.signals, [{ pgid: 4242, signal: 'SIGTERM' }]);
    await flush();
    await s.clock.advance(3000);
    await flush();
    assert.equal(sup.runner('b')!.snapshot().state, 'running', 'b did not wait for the reap');
    assert.equal(s.driver.spawns.length, 1);

    s.driver.exit(4242, null, null);
    await flush();
    assert.equal(s.of('a', 'orphan_reaped')[0]?.reason, 'config changed');
    assert.equal(s.driver.spawns.length, 2, 'a starts once its survivor is gone');
    assert.equal(s.driver.last.opts?.spec.name, 'a');
    assert.equal(s.of('a', 'stopped').length, 0);
  });

  test('an operator stop during the reap keeps the node down afterwards', async () => {
    const old = identity(4242);
    const s = setup([spec('a', { runHash: 'new' })], { alive: [old] });
    const sup = await s.supervisor;
    sup.boot(new Map([['a', persisted({ identity: old, runHash: 'old' })]]));
    const stopped = sup.stop(['a']);
    s.driver.exit(4242, null, null);
    await stopped;
    await flush();
    assert.equal(sup.runner('a')!.snapshot().state, 'stopped');
    assert.equal(s.driver.spawns.length, 0);
  });

  test('a held survivor with a changed config is adopted as is; a matching one too, its lock claimed', async () => {
    const h = identity(4242);
    const m = { ...identity(4343), argv: ['/opt/chain/bin/chaind'] };
    const s = setup([spec('held', { runHash: 'new' }), spec('match')], { alive: [h, m] });
    const sup = await s.supervisor;
    sup.boot(
      new Map([
        ['held', persisted({ identity: h, runHash: 'old', held: true })],
        ['match', persisted({ identity: { ...m, argv: ['/bin/sh', '-c', 'exec chaind'] } })],
      ]),
    );
    assert.deepEqual(
      sup.snapshots().map((n) => [n.name, n.state, n.pid, n.held]),
      [
        ['held', 'running', 4242, true],
        ['match', 'running', 4343, false],
      ],
    );
    assert.deepEqual(s.driver.signals, [], 'nobody was signalled');
    const held = s.of('held', 'adopted')[0]!;
    assert.equal(held.details['configChanged'], true);
    const match = s.of('match', 'adopted')[0]!;
    assert.deepEqual(match.details['argv'], ['/opt/chain/bin/chaind'], 'argv is evidence, not the key');
    assert.deepEqual(match.details['recordedArgv'], ['/bin/sh', '-c', 'exec chaind']);
    assert.deepEqual(s.claimed, ['held:4242', 'match:4343']);
    // The held node's record keeps the run hash it really runs.
    assert.deepEqual(
      s.records.filter((r) => r.identity).map((r) => [r.node, r.runHash]),
      [
        ['held', 'old'],
        ['match', 'hash-1'],
      ],
    );
  });

  test('without a record, the live holder of the node lock is adopted; a lock of another live manager is not', async () => {
    const a = spec('a');
    const b = spec('b');
    const locks: Record<string, NodeLockFacts> = {
      [a.dataDir]: { holder: identity(4242), runHash: 'hash-1', foreignManager: null },
      [b.dataDir]: { holder: identity(4343), runHash: 'hash-1', foreignManager: 777 },
    };
    const s = setup([a, b], { locks });
    const sup = await s.supervisor;
    sup.boot(new Map());
    assert.equal(sup.runner('a')!.snapshot().pid, 4242);
    assert.equal(s.of('a', 'adopted')[0]!.details['source'], 'node-lock');
    assert.equal(s.driver.spawns.length, 1, 'b is started (and its spawn will meet the lock)');
    assert.equal(s.driver.last.opts?.spec.name, 'b');
  });

  test("a process recorded for one node is never adopted by another through that node's lock", async () => {
    const a = spec('a');
    const b = spec('b');
    const p = identity(4242);
    const locks = { [b.dataDir]: { holder: p, runHash: 'hash-1', foreignManager: null } };
    const s = setup([b, a], { alive: [p], locks });
    const sup = await s.supervisor;
    sup.boot(new Map([['a', persisted({ identity: p })]]));
    assert.equal(sup.runner('a')!.snapshot().pid, 4242);
    assert.equal(s.of('b', 'adopted').length, 0);
    assert.equal(s.driver.last.opts?.spec.name, 'b', 'b is started instead');
  });

  test('the survivor of a node removed from the config is reaped through a runner of its own', async () => {
    const old = identity(4242);
    const s = setup([spec('a')], { alive: [old] });
    const sup = await s.supervisor;
    sup.boot(new Map([['gone', persisted({ identity: old })]]));
    assert.deepEqual(s.driver.signals, [{ pgid: 4242, signal: 'SIGTERM' }]);
    assert.deepEqual(sup.names(), ['a'], 'not in status');
    await s.clock.advance(120_000);
    assert.deepEqual(s.driver.kills, [{ pid: 4242, pgid: 4242 }], 'the default grace, then killTree');
    s.driver.exit(4242, null, 'SIGKILL');
    await flush();
    const ev = s.of('gone', 'orphan_reaped')[0]!;
    assert.equal(ev.reason, 'node removed from config');
    assert.equal(ev.details['escalated'], true);
    assert.deepEqual(s.records.filter((r) => r.node === 'gone').at(-1)?.identity, null);
  });
});

describe('Supervisor reload', () => {
  const staging = (issues: string[]) => {
    const calls: string[] = [];
    const stage: ReloadStaging = {
      prepare: async (added, changed) => {
        calls.push(`prepare ${added.map((s) => s.name).join(',')} / ${changed.map((s) => s.name).join(',')}`);
        return issues.map((m) => ({ file: '/etc/nodewarden/nodes/x.json', key: 'dataDir', message: m }));
      },
      rollback: async () => void calls.push('rollback'),
    };
    return { stage, calls };
  };

  test('a failed preparation touches no node and undoes itself; a failed log open too', async () => {
    const s = setup([spec('keep'), spec('change'), spec('drop')]);
    const sup = await s.supervisor;
    sup.boot(new Map());
    await flush();
    const pids = sup.snapshots().map((n) => n.pid);
    const next: LoadedConfig = {
      manager: s.manager,
      nodes: [spec('keep'), spec('change', { runHash: 'new' }), spec('added')],
    };
    const bad = staging(['cannot be created: ENOTDIR']);
    await assert.rejects(sup.reload(next, bad.stage), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues[0]!.key, 'dataDir');
      return true;
    });
    assert.deepEqual(bad.calls, ['prepare added / change', 'rollback']);

    let opened = 0;
    const failing = setup([spec('keep'), spec('change'), spec('drop')], {
      openLog: async (n) => {
        if (n.name === 'broken') throw new Error('EISDIR: illegal operation on a directory');
        opened++;
        return { outputFd: () => 99, close: async () => void opened-- };
      },
    });
    const sup2 = await failing.supervisor;
    sup2.boot(new Map());
    await flush();
    const ok = staging([]);
    await assert.rejects(
      sup2.reload({ ...next, nodes: [...next.nodes, spec('broken')] }, ok.stage),
      /cannot open the node's log: EISDIR/,
    );
    assert.deepEqual(ok.calls, ['prepare added,broken / change', 'rollback']);
    assert.equal(opened, 3, "the new node's log that did open was closed again");

    for (const [sv, before] of [
      [sup, pids],
      [sup2, null],
    ] as const) {
      assert.deepEqual(sv.names(), ['keep', 'change', 'drop']);
      const snaps = sv.snapshots();
      assert.ok(snaps.every((n) => n.state === 'starting' && n.restarts === 0));
      if (before)
        assert.deepEqual(
          snaps.map((n) => n.pid),
          before,
        );
    }
    assert.equal(s.driver.signals.length + failing.driver.signals.length, 0, 'nothing was stopped');
  });

  test('a reload that changes a whole sync group restarts it one member at a time, never below minHealthy', async () => {
    const member = (name: string, runHash = 'hash-1'): NodeSpec => {
      const base = spec(name, { runHash });
      return { ...base, sync: { ...base.sync, group: 'chain', minHealthy: 2 } };
    };
    const s = setup([member('a'), member('b'), member('c')]);
    const sup = await s.supervisor;
    sup.boot(new Map());
    await flush();
    const startMs = sup.spec('a')!.restart.startSeconds * 1000;
    await s.clock.advance(startMs);
    await flush();
    const states = () => sup.snapshots().map((n) => `${n.name}:${n.state}`);
    assert.deepEqual(states(), ['a:running', 'b:running', 'c:running']);

    const diff = await sup.reload({
      manager: s.manager,
      nodes: [member('a', 'new'), member('b', 'new'), member('c', 'new')],
    });
    assert.deepEqual(diff.changed, ['a', 'b', 'c']);
    let lowest = 3;
    s.bus.on('state', () => {
      lowest = Math.min(lowest, sup.snapshots().filter((n) => n.state === 'running').length);
    });
    for (const name of ['a', 'b', 'c']) {
      await flush();
      const stopping = sup.snapshots().filter((n) => n.state === 'stopping');
      assert.deepEqual(
        stopping.map((n) => n.name),
        [name],
        `only ${name} restarts now (${states().join(' ')})`,
      );
      s.driver.exit(stopping[0]!.pid!, 0, null);
      await flush();
      assert.equal(s.driver.last.opts?.spec.runHash, 'new', `${name} runs its new config`);
      await s.clock.advance(startMs);
      await flush();
    }
    assert.deepEqual(states(), ['a:running', 'b:running', 'c:running']);
    assert.equal(lowest, 2, 'the group never had fewer than minHealthy running members');
    assert.equal(s.of('b', 'restarting')[0]?.reason, 'config');
  });
});
