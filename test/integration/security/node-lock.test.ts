import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  acquireManagerLock,
  acquireNodeLock,
  checkNodeLock,
  managerLockPath,
  nodeLockPath,
  readLock,
  selfOwner,
} from '../../../src/supervisor/lock.js';
import { tmpDir, waitUntil } from '../driver/support.js';
import { assertUntouched, IS_ROOT, nobodyDir, plant, rootSecret } from './support.js';

const LOCK_MODULE = fileURLToPath(new URL('../../../src/supervisor/lock.js', import.meta.url));
const owner = () => ({ ...selfOwner(), managerPid: process.pid });

describe('lock files in a directory a node user controls', { skip: !IS_ROOT && 'needs root' }, () => {
  let dir: string;
  before(() => {
    dir = tmpDir();
    fs.chmodSync(dir, 0o755);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('links at the old predictable temp names of the node and manager locks are never written through', () => {
    const secret = rootSecret(path.join(dir, 'tmp-secret'));
    const dataDir = nobodyDir(path.join(dir, 'tmp-data'));
    const stateDir = path.join(dir, 'tmp-state');
    fs.mkdirSync(stateDir);
    for (const lock of [nodeLockPath(dataDir), managerLockPath(stateDir)]) {
      plant(`${lock}.${process.pid}.tmp`, secret.file);
      plant(`${lock}.stale.${process.pid}`, secret.file);
    }
    const node = acquireNodeLock(dataDir, owner());
    node.update({ pid: process.pid, startTime: selfOwner().startTime, managerPid: 1 });
    assert.equal(checkNodeLock(dataDir).holder?.managerPid, 1);
    node.release();
    // A garbage lock makes the next acquire move it aside (the old `.stale.<pid>` name).
    fs.writeFileSync(managerLockPath(stateDir), 'garbage');
    acquireManagerLock(stateDir).release();
    assertUntouched(secret);
  });

  test('a node lock that is a link counts as stale garbage: its target is neither believed nor changed', () => {
    const secret = rootSecret(path.join(dir, 'link-secret'));
    // The target holds a valid lock of a live process (this one): following it would refuse the start.
    fs.writeFileSync(secret.file, JSON.stringify({ pid: process.pid, startTime: selfOwner().startTime }));
    secret.before.content = fs.readFileSync(secret.file, 'utf8');
    const dataDir = nobodyDir(path.join(dir, 'link-data'));
    plant(nodeLockPath(dataDir), secret.file);
    assert.deepEqual(checkNodeLock(dataDir), { state: 'stale', holder: null });
    const lock = acquireNodeLock(dataDir, owner());
    assert.ok(lock.takenOver, 'the link was taken over as a stale lock');
    assert.ok(fs.lstatSync(nodeLockPath(dataDir)).isFile());
    lock.release();
    assert.equal(fs.existsSync(nodeLockPath(dataDir)), false);
    assertUntouched(secret);
  });

  test('a node lock in a dataDir that is a planted link is neither written nor read through it', () => {
    const secret = rootSecret(path.join(dir, 'dd-secret'));
    const home = nobodyDir(path.join(dir, 'dd-home'));
    const dataDir = path.join(home, 'n1');
    plant(dataDir, secret.dir);
    assert.throws(
      () => acquireNodeLock(dataDir, owner()),
      /n1 is a symbolic link in a directory that uid \d+ can change/,
    );
    assert.throws(() => readLock(nodeLockPath(dataDir)), /does not follow it/);
    assertUntouched(secret);
  });

  test('a FIFO planted as the node lock does not hang the manager: it is stale garbage and replaced', async () => {
    const dataDir = nobodyDir(path.join(dir, 'fifo-data'));
    execFileSync('mkfifo', [nodeLockPath(dataDir)]);
    // In a child process: a blocking read would hang it, and the bound below would catch that.
    const script =
      `import { acquireNodeLock, selfOwner } from ${JSON.stringify(LOCK_MODULE)};` +
      `const l = acquireNodeLock(${JSON.stringify(dataDir)}, selfOwner());` +
      `console.log(JSON.stringify(l.takenOver)); l.release();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    let code: number | null | undefined;
    child.on('exit', (c) => (code = c));
    try {
      await waitUntil(() => code !== undefined, 'the lock acquire to return', 10_000);
    } finally {
      if (code === undefined) process.kill(child.pid!, 'SIGKILL');
    }
    assert.equal(code, 0, out);
    assert.deepEqual(JSON.parse(out), { pid: 0, startTime: '' });
    assert.equal(fs.existsSync(nodeLockPath(dataDir)), false, 'released');
  });
});
