/**
 * What boot reads from a node lock in a dataDir, on real lock files and real
 * processes: the live node it names (with the run hash it was started with),
 * a lock another live manager wrote (foreign, never adopted here), a
 * manager's own pre-spawn claim and a stale lock (nothing); and the claim an
 * adopting manager makes (its pid written in, a lost lock recreated).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nullLogger } from '../../../src/logger.js';
import { acquireNodeLock, nodeLockPath, readLock } from '../../../src/supervisor/lock.js';
import { readStartTime } from '../../../src/supervisor/proc.js';
import { claimNodeLock, readNodeLockFacts } from '../../../src/supervisor/survivor-facts.js';
import { waitGone, waitUntil } from './harness.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-facts-'));
const children: number[] = [];
after(async () => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitGone(children, 'the test processes');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A live process (sleep) with its start time. */
async function live(): Promise<{ pid: number; startTime: string }> {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const pid = child.pid!;
  children.push(pid);
  const startTime = await waitUntil(() => readStartTime(pid), 'the process in /proc');
  return { pid, startTime };
}

function dataDir(name: string): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function writeLock(d: string, owner: Record<string, unknown>): void {
  fs.writeFileSync(nodeLockPath(d), JSON.stringify(owner) + '\n');
}

test('a lock naming a live node of a dead manager: that node, with its run hash', async () => {
  const node = await live();
  const d = dataDir('orphan');
  writeLock(d, { ...node, managerPid: 999_999_999, runHash: 'abc' });
  const facts = readNodeLockFacts(d);
  assert.ok(facts);
  assert.deepEqual(
    [facts.holder.pid, facts.holder.pgid, facts.holder.startTime, facts.holder.argv],
    [node.pid, node.pid, node.startTime, ['sleep', '1000']],
  );
  assert.equal(facts.runHash, 'abc');
  assert.equal(facts.foreignManager, null);
});

test('a lock written by another live manager is foreign; a lock without a run hash says so', async () => {
  const node = await live();
  const otherManager = await live();
  const d = dataDir('foreign');
  writeLock(d, { ...node, managerPid: otherManager.pid });
  const facts = readNodeLockFacts(d);
  assert.equal(facts?.foreignManager, otherManager.pid);
  assert.equal(facts?.runHash, null);
  // The manager reading it wrote it itself (same pid): not foreign.
  assert.equal(readNodeLockFacts(d, otherManager.pid)?.foreignManager, null);
});

test("a manager's own pre-spawn claim, a stale lock and no lock name no node", async () => {
  const manager = await live();
  const claim = dataDir('claim');
  writeLock(claim, { ...manager, managerPid: manager.pid });
  assert.equal(readNodeLockFacts(claim), null);
  const stale = dataDir('stale');
  writeLock(stale, { pid: manager.pid, startTime: '1', managerPid: 1 });
  assert.equal(readNodeLockFacts(stale), null);
  assert.equal(readNodeLockFacts(dataDir('none')), null);
});

test('an adopting manager claims the lock (its pid, the run hash) and recreates a lost one', async () => {
  const node = await live();
  const d = dataDir('claimed');
  writeLock(d, { ...node, managerPid: 999_999_999, runHash: 'abc' });
  const id = { pid: node.pid, pgid: node.pid, startTime: node.startTime, argv: ['sleep', '1000'] };
  claimNodeLock({ name: 'n', dataDir: d }, id, 'abc', nullLogger);
  assert.deepEqual(readLock(nodeLockPath(d))?.owner, { ...node, managerPid: process.pid, runHash: 'abc' });
  fs.rmSync(nodeLockPath(d));
  claimNodeLock({ name: 'n', dataDir: d }, id, 'abc', nullLogger);
  assert.deepEqual(readLock(nodeLockPath(d))?.owner, { ...node, managerPid: process.pid, runHash: 'abc' });
  // A lock held by another live process is left alone.
  const other = await live();
  const busy = dataDir('busy');
  const held = acquireNodeLock(busy, { ...other, managerPid: 1 });
  claimNodeLock({ name: 'n', dataDir: busy }, id, 'abc', nullLogger);
  assert.equal(readLock(nodeLockPath(busy))?.owner?.pid, other.pid);
  held.release();
});
