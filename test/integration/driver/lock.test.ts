import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { NodewardenError } from '../../../src/errors.js';
import {
  acquireManagerLock,
  acquireNodeLock,
  checkNodeLock,
  managerLockPath,
  nodeLockPath,
  selfOwner,
} from '../../../src/supervisor/lock.js';
import { readStartTime } from '../../../src/supervisor/proc.js';
import { SLEEP, tmpDir } from './support.js';

/** A pid that existed and is now gone (reaped). */
async function deadPid(): Promise<{ pid: number; startTime: string }> {
  const child = spawn(SLEEP, ['1000'], { stdio: 'ignore' });
  const startTime = readStartTime(child.pid!)!;
  child.kill('SIGKILL');
  await once(child, 'exit');
  return { pid: child.pid!, startTime };
}

function isCode(code: string, re: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof NodewardenError);
    assert.equal(err.code, code);
    assert.match(err.message, re);
    return true;
  };
}

describe('manager and node locks', () => {
  let dir: string;
  before(() => (dir = tmpDir()));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a second manager on the same stateDir is refused, naming the pid and the lock file; release frees it', () => {
    const stateDir = path.join(dir, 'state1');
    const lock = acquireManagerLock(stateDir);
    assert.equal(lock.takenOver, null);
    assert.deepEqual(JSON.parse(fs.readFileSync(managerLockPath(stateDir), 'utf8')), selfOwner());
    assert.throws(
      () => acquireManagerLock(stateDir),
      (err: unknown) => {
        isCode(
          'E_LOCKED',
          new RegExp(`pid ${process.pid}\\b.*${managerLockPath(stateDir).replace(/[.]/g, '\\.')}`),
        )(err);
        assert.match((err as NodewardenError).hint!, new RegExp(`kill ${process.pid}`));
        return true;
      },
    );
    lock.release();
    assert.equal(fs.existsSync(managerLockPath(stateDir)), false);
    acquireManagerLock(stateDir).release();
  });

  test('a lock of a dead manager, of a reused pid or with garbage in it is taken over and reported', async () => {
    const stateDir = path.join(dir, 'state2');
    fs.mkdirSync(stateDir);
    const dead = await deadPid();
    const stale = [dead, { pid: process.pid, startTime: '1' }];
    for (const owner of stale) {
      fs.writeFileSync(managerLockPath(stateDir), JSON.stringify(owner));
      const lock = acquireManagerLock(stateDir);
      assert.deepEqual(lock.takenOver, owner);
      assert.deepEqual(JSON.parse(fs.readFileSync(managerLockPath(stateDir), 'utf8')), selfOwner());
      lock.release();
    }
    fs.writeFileSync(managerLockPath(stateDir), 'not json');
    const lock = acquireManagerLock(stateDir);
    assert.ok(lock.takenOver);
    lock.release();
    assert.deepEqual(fs.readdirSync(stateDir), [], 'no temp or stale files left');
  });

  test('release leaves a lock alone that someone else has taken over meanwhile', () => {
    const stateDir = path.join(dir, 'state3');
    const lock = acquireManagerLock(stateDir);
    fs.writeFileSync(managerLockPath(stateDir), JSON.stringify({ pid: 999999, startTime: '5' }));
    lock.release();
    assert.ok(fs.existsSync(managerLockPath(stateDir)));
  });

  test('node lock: a live node pid refuses a second copy; the same process may re-take it; a dead one is stale', async () => {
    const dataDir = path.join(dir, 'node-data');
    fs.mkdirSync(dataDir);
    assert.deepEqual(checkNodeLock(dataDir), { state: 'free', holder: null });
    const child = spawn(SLEEP, ['1000'], { stdio: 'ignore' });
    try {
      const node = { pid: child.pid!, startTime: readStartTime(child.pid!)!, managerPid: process.pid };
      const pre = acquireNodeLock(dataDir, { ...selfOwner(), managerPid: process.pid });
      pre.update(node);
      assert.deepEqual(checkNodeLock(dataDir), { state: 'held', holder: node });
      assert.throws(
        () => acquireNodeLock(dataDir, { ...selfOwner(), managerPid: process.pid }),
        isCode('E_NODE_LOCKED', new RegExp(`process ${node.pid}\\b`)),
      );
      // Re-adoption by a new manager: same node process, new manager pid.
      const readopted = acquireNodeLock(dataDir, { ...node, managerPid: 4242 });
      assert.equal(readopted.takenOver, null);
      assert.equal(JSON.parse(fs.readFileSync(nodeLockPath(dataDir), 'utf8')).managerPid, 4242);
    } finally {
      child.kill('SIGKILL');
    }
    await once(child, 'exit');
    assert.equal(checkNodeLock(dataDir).state, 'stale');
    const next = acquireNodeLock(dataDir, { ...selfOwner(), managerPid: process.pid });
    assert.equal(next.takenOver!.pid, child.pid);
    next.release();
    assert.equal(checkNodeLock(dataDir).state, 'free');
  });
});
