import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ensureStateDir } from '../../../src/store/state-dir.js';
import { tmpDir } from '../../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const mode = (d: string): number => fs.statSync(d).mode & 0o777;

test('stateDir is created 0700, and an existing wider one of ours is tightened', () => {
  const base = tmpDir();
  dirs.push(base);
  const fresh = path.join(base, 'a', 'state');
  assert.equal(ensureStateDir(fresh), null);
  assert.equal(mode(fresh), 0o700);
  const wide = path.join(base, 'wide');
  fs.mkdirSync(wide);
  fs.chmodSync(wide, 0o755);
  assert.equal(ensureStateDir(wide), null);
  assert.equal(mode(wide), 0o700);
});

test('a wide stateDir of another user is left alone, with a warning naming its mode and owner', () => {
  const base = tmpDir();
  dirs.push(base);
  const theirs = path.join(base, 'theirs');
  fs.mkdirSync(theirs);
  fs.chmodSync(theirs, 0o755);
  fs.chownSync(theirs, 65534, 65534);
  const warning = ensureStateDir(theirs);
  assert.match(warning ?? '', /mode 0755 and belongs to uid 65534/);
  assert.equal(mode(theirs), 0o755);
});
