import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  openDir,
  readNoFollow,
  replaceFile,
  UnsafeLinkError,
  type SafeDir,
} from '../../../src/supervisor/safe-fs.js';

const IS_ROOT = process.getuid?.() === 0;
const NOBODY = IS_ROOT ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()) : -1;

/** Opens, runs fn on the open dir, closes. */
function using<T>(d: SafeDir, fn: (d: SafeDir) => T): T {
  try {
    return fn(d);
  } finally {
    d.close();
  }
}

/** The real path of an open directory, from the kernel. */
const realOf = (d: SafeDir) => fs.readlinkSync(`/proc/self/fd/${d.fd}`);

const isCode = (code: string, p?: string) => (err: unknown) => {
  assert.equal((err as NodeJS.ErrnoException).code, code, String(err));
  if (p !== undefined) assert.equal((err as NodeJS.ErrnoException).path, p);
  return true;
};

describe('safe-fs: walking and writing without following planted links', () => {
  let dir: string;
  before(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nw-')));
  });

  /** A directory `target`, and a directory `parent` of the given mode holding a link `l` to it. */
  const linkIn = (targetName: string, parentName: string, mode: number) => {
    const target = path.join(dir, targetName);
    fs.mkdirSync(target);
    const parent = path.join(dir, parentName);
    fs.mkdirSync(parent);
    fs.chmodSync(parent, mode);
    fs.symlinkSync(target, path.join(parent, 'l'));
    return { target, parent };
  };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('links in directories only root or the manager can write are followed, absolute and relative (with ..)', () => {
    const real = path.join(dir, 'real', 'deep');
    fs.mkdirSync(real, { recursive: true });
    const links = path.join(dir, 'links');
    fs.mkdirSync(links, { mode: 0o755 });
    fs.symlinkSync(real, path.join(links, 'abs'));
    fs.symlinkSync('../real/deep', path.join(links, 'rel'));
    fs.symlinkSync('rel', path.join(links, 'chain'));
    for (const name of ['abs', 'rel', 'chain']) {
      assert.equal(using(openDir(path.join(links, name)), realOf), real, name);
    }
  });

  test('a link in a group- or world-writable directory is refused, unless it is root-owned in a sticky one', () => {
    const { target, parent: open } = linkIn('target', 'open', 0o777);
    assert.throws(
      () => openDir(path.join(open, 'l', 'x'), { create: () => ({ mode: 0o755 }) }),
      (err: unknown) => {
        assert.ok(err instanceof UnsafeLinkError);
        assert.equal(err.path, path.join(open, 'l'));
        assert.match(
          err.message,
          /is a symbolic link in a directory that uid \d+ can change; nodewarden does not follow it/,
        );
        return true;
      },
    );
    assert.deepEqual(fs.readdirSync(target), [], 'nothing created through the link');
    fs.chmodSync(open, 0o1777);
    assert.equal(using(openDir(path.join(open, 'l')), realOf), target, 'own link in a sticky directory');
  });

  test(
    "a link owned by another user is refused in a sticky directory; in that user's own directory any link is",
    { skip: !IS_ROOT && 'needs root' },
    () => {
      const { target, parent: sticky } = linkIn('target2', 'sticky', 0o1777);
      fs.lchownSync(path.join(sticky, 'l'), NOBODY, -1);
      assert.throws(() => openDir(path.join(sticky, 'l')), UnsafeLinkError);
      const theirs = path.join(dir, 'theirs');
      fs.mkdirSync(theirs);
      fs.chownSync(theirs, NOBODY, -1);
      fs.chmodSync(theirs, 0o755);
      fs.symlinkSync(target, path.join(theirs, 'l'));
      assert.throws(() => openDir(path.join(theirs, 'l')), new RegExp(`uid ${NOBODY} can change`));
    },
  );

  test('missing components: ENOENT without create; created with the exact mode and owner, whatever the umask', () => {
    const want = path.join(dir, 'made', 'a', 'b');
    assert.throws(() => openDir(want), isCode('ENOENT', path.join(dir, 'made')));
    const old = process.umask(0o077);
    try {
      using(
        openDir(want, {
          create: (last) => (last ? { mode: 0o770, ...(IS_ROOT ? { uid: NOBODY } : {}) } : { mode: 0o755 }),
        }),
        (d) => assert.equal(realOf(d), want),
      );
    } finally {
      process.umask(old);
    }
    assert.equal(fs.statSync(path.join(dir, 'made', 'a')).mode & 0o7777, 0o755);
    const st = fs.statSync(want);
    assert.equal(st.mode & 0o7777, 0o770);
    if (IS_ROOT) assert.equal(st.uid, NOBODY);
  });

  test('a file where a directory is expected is ENOTDIR naming it; a link loop is ELOOP', () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, '');
    assert.throws(() => openDir(path.join(file, 'x')), isCode('ENOTDIR', file));
    const loops = path.join(dir, 'loops');
    fs.mkdirSync(loops);
    fs.symlinkSync('b', path.join(loops, 'a'));
    fs.symlinkSync('a', path.join(loops, 'b'));
    assert.throws(() => openDir(path.join(loops, 'a')), isCode('ELOOP'));
  });

  test('replaceFile writes atomically with mode 0600, leaves no temp file, and refuses a link at the target', async () => {
    const d = openDir(path.join(dir, 'files'), { create: () => ({ mode: 0o755 }) });
    try {
      await replaceFile(d, 'a.conf', 'one\n', { mode: 0o600 });
      await replaceFile(d, 'a.conf', 'two\n', { mode: 0o600 });
      const f = path.join(dir, 'files', 'a.conf');
      assert.equal(fs.readFileSync(f, 'utf8'), 'two\n');
      assert.equal(fs.statSync(f).mode & 0o7777, 0o600);
      const victim = path.join(dir, 'victim');
      fs.writeFileSync(victim, 'keep\n');
      fs.symlinkSync(victim, path.join(dir, 'files', 'b.conf'));
      await assert.rejects(replaceFile(d, 'b.conf', 'x', { mode: 0o600 }), UnsafeLinkError);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'keep\n');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'files')).sort(), ['a.conf', 'b.conf']);
    } finally {
      d.close();
    }
  });

  test('readNoFollow reads a file, reports a link or FIFO without opening it for reading, and refuses a directory', () => {
    using(openDir(dir), (d) => {
      fs.writeFileSync(path.join(dir, 'r.txt'), 'hello');
      assert.deepEqual(readNoFollow(d, 'r.txt', 3), {
        kind: 'file',
        text: 'hel',
        ino: fs.statSync(path.join(dir, 'r.txt')).ino,
      });
      fs.symlinkSync(path.join(dir, 'r.txt'), path.join(dir, 'r.link'));
      assert.equal(readNoFollow(d, 'r.link', 10)?.kind, 'other');
      execFileSync('mkfifo', [path.join(dir, 'r.fifo')]);
      assert.equal(readNoFollow(d, 'r.fifo', 10)?.kind, 'other');
      assert.equal(readNoFollow(d, 'missing', 10), null);
      fs.mkdirSync(path.join(dir, 'r.dir'));
      assert.throws(() => readNoFollow(d, 'r.dir', 10), isCode('EISDIR'));
    });
  });
});
