/**
 * Shared by the security tests: the unprivileged user `nobody` a node runs
 * as, directories owned by it (standing for a node's dataDir), links planted
 * as that user, and a root-owned "outside" file whose owner, mode and content
 * must never change.
 */
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

export const IS_ROOT = process.getuid?.() === 0;

function id(flag: string): number {
  return Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
}

/** uid and primary gid of `nobody` (only read when running as root). */
export const NOBODY = IS_ROOT ? { uid: id('-u'), gid: id('-g') } : { uid: -1, gid: -1 };

/** A directory owned by nobody (a node's own dataDir or home), mode 0755. */
export function nobodyDir(p: string): string {
  fs.mkdirSync(p, { recursive: true });
  fs.chownSync(p, NOBODY.uid, NOBODY.gid);
  fs.chmodSync(p, 0o755);
  return p;
}

/** A symbolic link at `at` pointing to `target`, owned by nobody as if that user had planted it. */
export function plant(at: string, target: string): void {
  fs.symlinkSync(target, at);
  fs.lchownSync(at, NOBODY.uid, NOBODY.gid);
}

/** What must not change about a file nodewarden may be tricked into writing. */
export interface FileFacts {
  uid: number;
  gid: number;
  mode: number;
  content: string;
}

export function facts(file: string): FileFacts {
  const st = fs.statSync(file);
  return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, content: fs.readFileSync(file, 'utf8') };
}

/** A root-owned directory with one root-owned file `secret.conf` (mode 0640): the target of planted links. */
export function rootSecret(dir: string): { dir: string; file: string; before: FileFacts } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, 'secret.conf');
  fs.writeFileSync(file, 'root only\n', { mode: 0o640 });
  return { dir, file, before: facts(file) };
}

/** The outside file keeps its owner, mode and content, and its directory holds nothing new. */
export function assertUntouched(secret: { dir: string; file: string; before: FileFacts }): void {
  assert.deepEqual(facts(secret.file), secret.before, `${secret.file} was changed`);
  assert.deepEqual(fs.readdirSync(secret.dir), ['secret.conf'], `something was written into ${secret.dir}`);
}
