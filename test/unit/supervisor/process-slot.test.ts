import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExitInfo, ProcessIdentity } from '../../../src/supervisor/driver.js';
import { nullLogger } from '../../../src/logger.js';
import { ProcessSlot } from '../../../src/supervisor/process-slot.js';
import { FakeDriver, flush } from '../../helpers/fake-driver.js';
import { identity, testSpec } from './fixtures.js';

/** A slot on a FakeDriver with every report recorded as a short string. */
function slotHarness() {
  const driver = new FakeDriver();
  const reports: string[] = [];
  const slot = new ProcessSlot(
    driver,
    () => 42_000,
    {
      spawned: (id: ProcessIdentity) => reports.push(`spawned ${id.pid}`),
      spawnFailed: (error: string) => reports.push(`spawnFailed ${error}`),
      exited: (exit: ExitInfo) => reports.push(`exited ${exit.code}/${exit.signal}`),
      broken: (err: unknown) => reports.push(`broken ${String(err)}`),
    },
    nullLogger,
    'ant-1',
  );
  const opts = () => ({ spec: testSpec(), outputFd: 7 });
  return { driver, reports, slot, opts };
}

describe('ProcessSlot generations', () => {
  test('an exit report from an older generation is dropped', async () => {
    const { driver, reports, slot } = slotHarness();
    slot.watch(identity(500)); // generation 1
    slot.watch(identity(600)); // generation 2 replaces it without waiting for its exit
    driver.exit(500, null, null);
    await flush();
    assert.deepEqual(reports, [], 'the old process is not the current one');
    assert.equal(slot.identity()?.pid, 600);
    driver.exit(600, null, 'SIGKILL');
    await flush();
    assert.deepEqual(reports, ['exited null/SIGKILL']);
    assert.equal(slot.identity(), null);
    assert.deepEqual(slot.lastExit, { code: null, signal: 'SIGKILL' });
  });

  test('a spawn that completes after the slot moved on is killed, never reported', async () => {
    const { driver, reports, slot, opts } = slotHarness();
    slot.spawn(opts);
    slot.abandon();
    await flush();
    const pid = driver.last.identity.pid;
    assert.deepEqual(reports, []);
    assert.deepEqual(driver.kills, [{ pid, pgid: pid }]);
  });

  test('spawn reports the identity, start time and later the exit', async () => {
    const { driver, reports, slot, opts } = slotHarness();
    slot.spawn(opts);
    assert.equal(slot.occupied(), true);
    assert.equal(slot.identity(), null, 'no identity while the spawn is in flight');
    await flush();
    const pid = driver.last.identity.pid;
    assert.equal(slot.startedAt(), 42_000);
    assert.equal(driver.last.opts?.outputFd, 7);
    driver.exit(pid, 3);
    await flush();
    assert.deepEqual(reports, [`spawned ${pid}`, 'exited 3/null']);
    assert.equal(slot.occupied(), false);
  });

  test('signals and kills reach only the live process', async () => {
    const { driver, slot, opts } = slotHarness();
    slot.spawn(opts);
    await flush();
    const pid = driver.last.identity.pid;
    assert.equal(slot.signal(pid + 1, 'SIGTERM'), false);
    assert.equal(slot.signal(pid, 'SIGTERM'), true);
    slot.kill(pid + 1, () => {});
    slot.kill(pid, () => {});
    assert.deepEqual(driver.signals, [{ pgid: pid, signal: 'SIGTERM' }]);
    assert.deepEqual(driver.kills, [{ pid, pgid: pid }]);
  });

  test('a spawn rejection is a spawnFailed report with the message', async () => {
    const { driver, reports, slot, opts } = slotHarness();
    driver.failNextSpawn('spawn /nope ENOENT');
    slot.spawn(opts);
    await flush();
    assert.deepEqual(reports, ['spawnFailed spawn /nope ENOENT']);
    assert.equal(slot.occupied(), false);
  });
});

describe('ProcessSlot start time of a watched survivor', () => {
  test('is the real start the driver reads (its age), not the moment of adoption', () => {
    const { driver, slot } = slotHarness();
    Object.assign(driver, { startedAt: (id: ProcessIdentity) => (id.pid === 500 ? 7_000 : null) });
    slot.watch(identity(500));
    assert.equal(slot.startedAt(), 7_000);
  });

  test('falls back to the adoption time when the driver cannot tell', () => {
    const { driver, slot } = slotHarness();
    Object.assign(driver, { startedAt: () => null });
    slot.watch(identity(600));
    assert.equal(slot.startedAt(), 42_000);
  });
});
