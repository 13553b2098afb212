/**
 * Containment seen from the whole manager (`nodewarden run` as a process, and
 * the daemon in process): which containment is in use is logged at start and
 * exported; in cgroup mode a node's double-forked daemon dies with a crash
 * before the replacement starts, survives a SIGKILLed manager with its node,
 * and goes when the next manager stops the adopted node; leftovers of a node
 * whose leader died with the manager are killed before it starts again. With
 * NODEWARDEN_CONTAINMENT=sweep the group/session sweep still ends a stubborn
 * node and its grandchild.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CONTAINMENT_ENV, nodeCgroupName, nodesCgroupDir } from '../../../src/supervisor/cgroup.js';
import { metricsFor } from '../../../src/metrics/index.js';
import { cgroupPathOf, cgroupUnavailable } from '../../helpers/cgroups.js';
import { startTestDaemon, waitUntil as waitDaemon } from '../../helpers/daemon.js';
import { after, alive, pidOf, simArgs, useFleets, waitGone, type Fleet } from '../core/harness.js';

const BOUND_MS = 15_000;
const noCgroup = cgroupUnavailable() ?? false;
const fleet = useFleets();

/** The pid a sim node printed as `DAEMON pid=<n>` (its double-forked daemon), tracked for cleanup. */
async function daemonOf(f: Fleet, node: string): Promise<number> {
  const pid = Number((await f.waitNodeLine(node, /^DAEMON pid=(\d+)$/))[1]);
  f.track(pid);
  return pid;
}

test(
  'run logs its containment first: a cgroup named after the stateDir, also in manager_started',
  { skip: noCgroup },
  async () => {
    const f = fleet({ nodes: { solo: {} } });
    const m = f.startManager();
    const started = await f.log.waitFor((e) => e.message === 'nodewarden: manager_started');
    const line = f.log.entries().find((e) => e.message.startsWith('containment: '));
    assert.ok(line, 'a containment line in the manager log');
    const base = nodesCgroupDir(f.stateDir)!;
    assert.match(line.message, /^containment: cgroup \/\S*nodewarden-[0-9a-f]{12}$/);
    assert.ok(
      base.endsWith(line.message.slice(line.message.lastIndexOf('/'))),
      `${line.message} names ${base}`,
    );
    assert.equal(started['containment'], line.message);
    const pid = pidOf(await f.log.waitEvent('solo', 'started'));
    f.track(pid);
    assert.ok(cgroupPathOf(pid)!.endsWith(`/${nodeCgroupName('solo')}`));
    m.signal('SIGTERM');
    assert.equal((await m.waitExit(BOUND_MS)).code, 0);
    assert.equal(
      fs.existsSync(base),
      false,
      'every node cgroup and their parent are removed on a clean stop',
    );
  },
);

test(
  'a SIGKILLed manager leaves the node and its daemon running in their cgroup; the next manager adopts the node and its stop ends both',
  { skip: noCgroup },
  async () => {
    const f = fleet({ nodes: { keeper: { args: simArgs('--spawn-daemon', '--ignore-sigterm') } } });
    const m1 = f.startManager();
    const pid = pidOf(await f.log.waitEvent('keeper', 'started'));
    f.track(pid);
    await f.ready('keeper', pid);
    const daemon = await daemonOf(f, 'keeper');
    const cg = cgroupPathOf(pid)!;
    assert.ok(cg.endsWith('/keeper.node'), `node in its cgroup (${cg})`);
    assert.equal(cgroupPathOf(daemon), cg, 'the daemon is in the node cgroup');

    m1.signal('SIGKILL');
    await m1.waitExit(BOUND_MS);
    assert.ok(alive(pid) && alive(daemon), 'node and daemon outlive the killed manager');
    assert.equal(cgroupPathOf(daemon), cg);

    const from = f.log.count();
    const m2 = f.startManager();
    const adopted = await f.log.waitEvent('keeper', 'adopted', { from });
    assert.equal(adopted['pid'], pid);
    const stop = await f.ctl(['stop', 'keeper']);
    assert.equal(stop.code, 0, stop.stderr);
    const stopped = await f.log.waitEvent('keeper', 'stopped', { from: after(adopted), timeoutMs: BOUND_MS });
    assert.equal(stopped['escalated'], true, 'both ignored SIGTERM: the cgroup was killed after the grace');
    // The stop is reported only once the cgroup is empty.
    assert.ok(!alive(pid) && !alive(daemon), 'node and daemon are gone when the stop is reported');
    assert.equal(fs.existsSync(path.join(nodesCgroupDir(f.stateDir)!, 'keeper.node')), false);
    m2.signal('SIGTERM');
    assert.equal((await m2.waitExit(BOUND_MS)).code, 0);
  },
);

test(
  'leftovers of a node whose leader died while no manager ran are killed before the node starts again',
  { skip: noCgroup },
  async () => {
    const f = fleet({ nodes: { lone: { args: simArgs('--spawn-daemon') } } });
    const m1 = f.startManager();
    const pid = pidOf(await f.log.waitEvent('lone', 'started'));
    f.track(pid);
    await f.ready('lone', pid);
    const daemon = await daemonOf(f, 'lone');
    m1.signal('SIGKILL');
    await m1.waitExit(BOUND_MS);
    process.kill(pid, 'SIGKILL');
    await waitGone([pid], 'the node leader');
    assert.ok(alive(daemon), 'its daemon lives on in the node cgroup');

    const from = f.log.count();
    const m2 = f.startManager();
    const again = await f.log.waitEvent('lone', 'started', { from });
    const next = pidOf(again);
    f.track(next);
    const warned = f.log
      .entries()
      .find((e) => /^node lone: killing 1 leftover process\(es\) of an earlier run/.test(e.message));
    assert.ok(warned, 'the kill of the leftovers is logged');
    assert.ok(warned.message.includes(`pids ${daemon}`));
    assert.ok(!alive(daemon), 'the leftover daemon was killed before the node started again');
    assert.ok(cgroupPathOf(next)!.endsWith('/lone.node'));
    m2.signal('SIGTERM');
    assert.equal((await m2.waitExit(BOUND_MS)).code, 0);
  },
);

test(
  'a crash kills the daemon the node left in its cgroup before the replacement is forked',
  { skip: noCgroup },
  async () => {
    const t = await startTestDaemon({
      nodes: { crasher: { args: simArgs('--spawn-daemon', '--crash-after', '1500') } },
      template: { restart: { startSeconds: 1, stableSeconds: 1 } },
    });
    try {
      const { crasher: first } = await t.waitRunning();
      const logFile = path.join(t.dir, 'logs', 'crasher.log');
      const daemon = Number(
        (
          await waitDaemon(
            () =>
              /^(?:\S+Z )?DAEMON pid=(\d+)$/m.exec(
                fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '',
              ),
            'the daemon pid in crasher.log',
          )
        )[1],
      );
      assert.ok(alive(daemon));
      const seen = new Promise<boolean>((resolve) => {
        const off = t.daemon.bus.on('state', (s) => {
          if (s.node !== 'crasher' || s.to !== 'starting' || s.pid === null || s.pid === first) return;
          off();
          // The replacement is forked (the spawn precedes this event): is the old daemon gone already?
          resolve(alive(daemon));
        });
      });
      assert.equal(await seen, false, 'the daemon was dead when the replacement was forked');
    } finally {
      await t.close();
    }
  },
);

test('the containment in use is exported as nodewarden_containment_info', async () => {
  const t = await startTestDaemon({ nodes: {} });
  try {
    const c = t.daemon.containment!;
    const text = await metricsFor(t.daemon).registry.metrics();
    const cgroup = c.mode === 'cgroup' ? c.cgroup : '';
    assert.match(
      text,
      new RegExp(
        `^nodewarden_containment_info\\{mode="${c.mode}",cgroup="${cgroup}",host="[^"]+"\\} 1$`,
        'm',
      ),
    );
  } finally {
    await t.close();
  }
});

test(`${CONTAINMENT_ENV}=sweep: logged with its reason; a SIGTERM-ignoring node and grandchild are still killed after the grace`, async () => {
  const f = fleet({ nodes: { stubborn: { args: simArgs('--ignore-sigterm', '--spawn-child') } } });
  const m = f.cli(['run'], { [CONTAINMENT_ENV]: 'sweep' });
  const pid = pidOf(await f.log.waitEvent('stubborn', 'started'));
  const grandchild = Number((await f.waitNodeLine('stubborn', /^GRANDCHILD pid=(\d+)$/))[1]);
  f.track(pid, grandchild);
  assert.ok(
    f.log
      .entries()
      .some(
        (e) =>
          e.message === `containment: process group + session sweep (forced by ${CONTAINMENT_ENV}=sweep)`,
      ),
  );
  assert.doesNotMatch(cgroupPathOf(pid) ?? '', /nodewarden-/);
  m.signal('SIGTERM');
  await f.waitNodeLine('stubborn', /^GRANDCHILD SLEEPER SIGTERM ignored$/);
  const stopped = await f.log.waitEvent('stubborn', 'stopped', { timeoutMs: BOUND_MS });
  assert.equal(stopped['escalated'], true);
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
  await waitGone([pid, grandchild], 'the node and its grandchild');
});

test(`a bad ${CONTAINMENT_ENV} makes run refuse with exit 2, naming the variable and the value`, async () => {
  const f = fleet({ nodes: { n: {} } });
  const m = f.cli(['run'], { [CONTAINMENT_ENV]: 'cgroupz' });
  const exit = await m.waitExit(BOUND_MS);
  assert.equal(exit.code, 2, m.stderr());
  assert.match(m.stderr(), new RegExp(`${CONTAINMENT_ENV}: expected "auto" or "sweep", got "cgroupz"`));
  assert.deepEqual(f.ownedPids(), [], 'no node was started');
});
