import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NodewardenError } from '../../../src/errors.js';
import type { NodeSpec } from '../../../src/config/types.js';
import { makeSpec, SH, SLEEP, useDriverBed, waitUntil } from '../driver/support.js';
import { assertUntouched, IS_ROOT, NOBODY, nobodyDir, plant, rootSecret } from './support.js';

/**
 * nodewarden runs as root and starts nodes as `user`; the node's user owns its
 * dataDir and can plant links there. Whatever it plants, a root-owned file
 * outside keeps its owner, mode and content: the start is refused with an
 * error naming the node, the config key and the path, or the write lands
 * inside the dataDir.
 */
describe(
  'files[], dataDir and the node lock do not follow links a node user planted',
  { skip: !IS_ROOT && 'needs root' },
  () => {
    // nobody must reach its dataDir below the test dir.
    const bed = useDriverBed((dir) => fs.chmodSync(dir, 0o755));

    const spec = (name: string, over: Partial<NodeSpec>): NodeSpec =>
      makeSpec(bed.dir, { name, binary: SLEEP, args: ['1000'], user: 'nobody', ...over });

    /** Spawns, then stops the node again: these tests are about what happens before the exec. */
    const startAndStop = async (s: NodeSpec) => {
      const p = await bed.driver.spawn({ spec: s, outputFd: bed.outFd });
      bed.pids.add(p.pid, p.startTime);
      await bed.driver.killTree(p.pid, p.pgid);
      await p.exited;
      return p;
    };

    /** The start must be refused naming the node, the key in its config file and the path; a node that did start is ended first. */
    const refused = async (s: NodeSpec, key: string, message: RegExp) => {
      let err: unknown = null;
      try {
        await startAndStop(s);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof NodewardenError, `the start of ${s.name} was not refused: ${String(err)}`);
      assert.equal(err.code, 'E_SPAWN_FAILED');
      assert.match(
        err.message,
        new RegExp(`^node ${s.name}: refusing ${key.replace('.', '\\.')} in ${s.file}`),
      );
      assert.match(err.message, message);
      assert.equal(err.details?.key, key);
    };

    test('normal case: parents, dataDir and files are created; dataDir and files belong to the node user (0750 / 0600)', async () => {
      const dataDir = path.join(bed.dir, 'fresh', 'a', 'b', 'n1');
      const conf = path.join(dataDir, 'conf', 'app.conf');
      const outside = path.join(bed.dir, 'fresh', 'etc', 'n1.conf');
      const s = spec('fresh', {
        binary: SH,
        args: ['-c', 'echo "fresh read: $(cat conf/app.conf)"; sleep 1000'],
        dataDir,
        cwd: dataDir,
        files: [
          { path: conf, content: 'port=1\n' },
          { path: outside, content: 'outside=1\n' },
        ],
      });
      const p = await bed.driver.spawn({ spec: s, outputFd: bed.outFd });
      bed.pids.add(p.pid, p.startTime);
      // Read by the node itself, as nobody.
      await waitUntil(() => bed.output().includes('fresh read: port=1'), 'the node to read its file');
      await bed.driver.killTree(p.pid, p.pgid);
      await p.exited;
      const owner = (f: string) => {
        const st = fs.lstatSync(f);
        return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, type: st.isDirectory() ? 'dir' : 'file' };
      };
      const root = (mode: number) => ({ uid: 0, gid: 0, mode, type: 'dir' });
      const node = (mode: number, type = 'dir') => ({ uid: NOBODY.uid, gid: NOBODY.gid, mode, type });
      assert.deepEqual(
        owner(path.join(bed.dir, 'fresh')),
        root(0o755),
        'a parent created for the dataDir is the manager’s',
      );
      assert.deepEqual(owner(path.join(bed.dir, 'fresh', 'a', 'b')), root(0o755));
      assert.deepEqual(owner(dataDir), node(0o750));
      assert.deepEqual(
        owner(path.dirname(conf)),
        node(0o750),
        'a directory made inside the dataDir is the node’s',
      );
      assert.deepEqual(owner(conf), node(0o600, 'file'));
      assert.equal(fs.readFileSync(conf, 'utf8'), 'port=1\n');
      assert.deepEqual(owner(path.dirname(outside)), root(0o755));
      assert.deepEqual(owner(outside), node(0o600, 'file'));
      assert.deepEqual(fs.readdirSync(path.dirname(conf)), ['app.conf'], 'no temp file left behind');
    });

    test('(a) a files[] target that is a link is refused and left as it is', async () => {
      const secret = rootSecret(path.join(bed.dir, 'a-secret'));
      const dataDir = nobodyDir(path.join(bed.dir, 'a-data'));
      const conf = path.join(dataDir, 'app.conf');
      plant(conf, secret.file);
      await refused(
        spec('a1', { dataDir, files: [{ path: conf, content: 'mine\n' }] }),
        'files.0.path',
        new RegExp(`\\(${conf}\\): ${conf} is a symbolic link`),
      );
      assert.ok(fs.lstatSync(conf).isSymbolicLink(), 'the link is left as it was');
      assertUntouched(secret);
    });

    test('(a) links at predictable temp names next to a files[] target are never written through', async () => {
      const secret = rootSecret(path.join(bed.dir, 'a2-secret'));
      const dataDir = nobodyDir(path.join(bed.dir, 'a2-data'));
      const conf = path.join(dataDir, 'app.conf');
      // Names a writer with a predictable scheme (manager pid + counter) would use next to the target.
      for (let k = 1; k <= 200; k++) plant(`${conf}.nw-tmp-${process.pid}-${k}`, secret.file);
      await startAndStop(spec('a2', { dataDir, files: [{ path: conf, content: 'mine\n' }] }));
      assertUntouched(secret);
      const st = fs.lstatSync(conf);
      assert.ok(st.isFile());
      assert.equal(st.uid, NOBODY.uid);
      assert.equal(fs.readFileSync(conf, 'utf8'), 'mine\n');
    });

    test('(b) an intermediate directory of a files[] path that is a link out of the dataDir is refused', async () => {
      const secret = rootSecret(path.join(bed.dir, 'b-secret'));
      const dataDir = nobodyDir(path.join(bed.dir, 'b-data'));
      plant(path.join(dataDir, 'conf'), secret.dir);
      const conf = path.join(dataDir, 'conf', 'secret.conf');
      await refused(
        spec('b1', { dataDir, files: [{ path: conf, content: 'mine\n' }] }),
        'files.0.path',
        /conf is a symbolic link in a directory that uid \d+ can change; nodewarden does not follow it/,
      );
      // Deeper: a missing directory would be created inside the link's target.
      const deep = path.join(dataDir, 'conf', 'sub', 'x.conf');
      await refused(
        spec('b2', { dataDir, files: [{ path: deep, content: 'mine\n' }] }),
        'files.0.path',
        /does not follow it/,
      );
      assertUntouched(secret);
    });

    test('(c) links at the node lock and at its old predictable temp name are not written through', async () => {
      const secret = rootSecret(path.join(bed.dir, 'c-secret'));
      const dataDir = nobodyDir(path.join(bed.dir, 'c-data'));
      const lock = path.join(dataDir, '.nodewarden-node.lock');
      plant(`${lock}.${process.pid}.tmp`, secret.file);
      const p = await startAndStop(spec('c1', { dataDir }));
      assertUntouched(secret);
      // A planted link as the lock itself is garbage: replaced by a real lock, the target untouched.
      plant(lock, secret.file);
      const q = await bed.driver.spawn({ spec: spec('c2', { dataDir }), outputFd: bed.outFd });
      bed.pids.add(q.pid, q.startTime);
      try {
        assert.ok(fs.lstatSync(lock).isFile(), 'the lock is a real file again');
        assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, q.pid);
        assertUntouched(secret);
      } finally {
        await bed.driver.killTree(q.pid, q.pgid);
        await q.exited;
      }
      assert.notEqual(p.pid, q.pid);
      assertUntouched(secret);
    });

    test('(d) a dataDir, or a parent made for it, that is a link planted by the node user is refused', async () => {
      const secret = rootSecret(path.join(bed.dir, 'd-secret'));
      const home = nobodyDir(path.join(bed.dir, 'd-home'));
      // The dataDir itself is the link.
      const dataDir = path.join(home, 'n1');
      plant(dataDir, secret.dir);
      await refused(
        spec('d1', { dataDir, files: [{ path: path.join(dataDir, 'secret.conf'), content: 'mine\n' }] }),
        'dataDir',
        new RegExp(`${dataDir} is a symbolic link in a directory that uid ${NOBODY.uid} can change`),
      );
      // A parent on the way is the link; the dataDir below it would be created in the target.
      plant(path.join(home, 'chains'), secret.dir);
      await refused(
        spec('d2', { dataDir: path.join(home, 'chains', 'n2') }),
        'dataDir',
        /chains is a symbolic link/,
      );
      assertUntouched(secret);
    });

    test('a link an operator made in a root-owned directory is still followed', async () => {
      const disk = path.join(bed.dir, 'disk1');
      fs.mkdirSync(disk, { mode: 0o755 });
      const mounts = path.join(bed.dir, 'mounts');
      fs.mkdirSync(mounts, { mode: 0o755 });
      fs.symlinkSync(disk, path.join(mounts, 'chain'));
      const dataDir = path.join(mounts, 'chain', 'n1');
      const conf = path.join(dataDir, 'app.conf');
      await startAndStop(spec('op', { dataDir, files: [{ path: conf, content: 'x\n' }] }));
      const st = fs.statSync(path.join(disk, 'n1'));
      assert.equal(st.uid, NOBODY.uid, 'the dataDir was created at the link’s target, for the node');
      assert.equal(fs.readFileSync(path.join(disk, 'n1', 'app.conf'), 'utf8'), 'x\n');
    });
  },
);
