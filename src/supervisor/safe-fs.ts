import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writing into directories a node's user controls, as root, without being
 * tricked by links that user plants. Linux has openat(); Node has not, so it
 * is emulated through `/proc/self/fd/<dirfd>/<name>`: the kernel resolves
 * `name` inside the directory the fd holds open, whatever that directory's
 * path has become since. A path is walked one component at a time, each
 * directory opened with O_NOFOLLOW relative to the previous one, so a
 * component swapped for a symbolic link is refused instead of followed and
 * nothing is checked by path first and used by path later.
 *
 * A link is followed only where no other user can have planted it: in a
 * directory owned by root or the manager's user that nobody else may write
 * (or, in a sticky directory such as /tmp, a link owned by root or the
 * manager). So a link an operator made (`/var/lib/nodes -> /mnt/disk1`) still
 * works, and one inside a node's dataDir (owned by the node's user) does not.
 *
 * Ownership and modes are only ever set on open descriptors (fchown/fchmod),
 * never on a path. Files are created under an unpredictable name with
 * O_CREAT|O_EXCL|O_NOFOLLOW and renamed into place within the same directory fd.
 */

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = fs.constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** Links followed in one walk before giving up (the kernel's own limit). */
const MAX_LINKS = 40;

/**
 * A symbolic link nodewarden refused to follow or to write through. `path` is
 * the link; `code` is `ESYMLINK` so callers can tell it from an OS error.
 */
export class UnsafeLinkError extends Error {
  readonly code = 'ESYMLINK';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'UnsafeLinkError';
  }
}

/** How a missing directory is made: its mode and, if given, its owner (set on the opened fd). */
export interface DirCreation {
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** How `openDir` treats missing components; without it, a missing component is ENOENT. */
export interface WalkOptions {
  /** Called per missing component; `last` is true for the requested directory itself. */
  readonly create?: (last: boolean) => DirCreation;
}

/** An open directory reached by a safe walk; every name is resolved inside it by the kernel. */
export class SafeDir {
  constructor(
    /** The open O_DIRECTORY descriptor. */
    readonly fd: number,
    /** The path it was reached by, for messages only (never opened again). */
    readonly path: string,
  ) {}

  /** A path that names `name` inside this very directory (one component, no slash). */
  at(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** The path of `name` for messages. */
  show(name: string): string {
    return path.join(this.path, name);
  }

  /** Closes the descriptor; every SafeDir a walk returns must be closed by its caller. */
  close(): void {
    fs.closeSync(this.fd);
  }
}

function errnoError(code: string, message: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code, path: file });
}

function isTrustedOwner(uid: number): boolean {
  return uid === 0 || uid === process.getuid?.();
}

/**
 * May the link `st` inside the directory open as `dirFd` be followed? Only if
 * no user but root and the manager's can have put it there.
 */
function followable(dirFd: number, link: fs.Stats): { ok: true } | { ok: false; owner: number } {
  const dir = fs.fstatSync(dirFd);
  if (!isTrustedOwner(dir.uid)) return { ok: false, owner: dir.uid };
  if ((dir.mode & 0o022) === 0) return { ok: true };
  // Group- or world-writable: only the sticky bit stops others replacing a root-owned link.
  if (dir.mode & 0o1000 && isTrustedOwner(link.uid)) return { ok: true };
  return { ok: false, owner: link.uid };
}

function components(p: string, last: boolean): Array<{ name: string; last: boolean }> {
  const names = p.split('/').filter((n) => n !== '' && n !== '.');
  return names.map((name, i) => ({ name, last: last && i === names.length - 1 }));
}

function openRoot(): number {
  return fs.openSync('/', DIR_FLAGS);
}

/**
 * Opens directory `dir` (absolute, or relative to `from`) one component at a
 * time without following any link another user could have planted; missing
 * components are created as `opts.create` says and owned through their fd.
 * Throws UnsafeLinkError for a refused link, ENOTDIR/ENOENT (with `path`) otherwise.
 */
export function openDir(dir: string, opts: WalkOptions = {}, from?: SafeDir): SafeDir {
  let cur = from ? fs.openSync(from.at('.'), DIR_FLAGS) : openRoot();
  let shown = from ? from.path : '/';
  const queue = components(from ? dir : path.resolve(dir), true);
  let links = 0;
  // Components this walk tried to create, and those it did create (and so owns and modes).
  const tried = new Set<string>();
  const made = new Set<string>();
  try {
    while (queue.length > 0) {
      const { name, last } = queue.shift()!;
      const next = name === '..' ? path.dirname(shown) : path.join(shown, name);
      let fd: number;
      try {
        fd = fs.openSync(`/proc/self/fd/${cur}/${name}`, DIR_FLAGS);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && opts.create && !tried.has(next)) {
          tried.add(next);
          if (makeDir(cur, name, next)) made.add(next);
          // Open it like any other component: whatever is there now is judged afresh.
          queue.unshift({ name, last });
          continue;
        }
        if (code !== 'ENOTDIR' && code !== 'ELOOP') throw withPath(err, next);
        const st = lstatOrNull(`/proc/self/fd/${cur}/${name}`);
        if (st === null) throw errnoError('ENOENT', `${next} vanished while it was opened`, next);
        if (!st.isSymbolicLink()) throw errnoError('ENOTDIR', `${next} is not a directory`, next);
        const verdict = followable(cur, st);
        if (!verdict.ok) {
          throw new UnsafeLinkError(
            `${next} is a symbolic link in a directory that uid ${verdict.owner} can change; nodewarden does not follow it`,
            next,
          );
        }
        if (++links > MAX_LINKS) throw errnoError('ELOOP', `too many symbolic links at ${next}`, next);
        const target = fs.readlinkSync(`/proc/self/fd/${cur}/${name}`);
        if (path.isAbsolute(target)) {
          fs.closeSync(cur);
          cur = openRoot();
          shown = '/';
        }
        queue.unshift(...components(target, last));
        continue;
      }
      if (made.delete(next)) {
        try {
          applyCreation(fd, opts.create!(last));
        } catch (err) {
          fs.closeSync(fd);
          throw withPath(err, next);
        }
      }
      fs.closeSync(cur);
      cur = fd;
      shown = next;
    }
    return new SafeDir(cur, shown);
  } catch (err) {
    fs.closeSync(cur);
    throw err;
  }
}

/** mkdir `name` in the directory fd; false when something was there already. */
function makeDir(dirFd: number, name: string, shown: string): boolean {
  try {
    // 0700 until fchown/fchmod on the opened fd set the final owner and mode.
    fs.mkdirSync(`/proc/self/fd/${dirFd}/${name}`, 0o700);
    return true;
  } catch (err) {
    // EEXIST: made meanwhile by someone else; the open that follows judges it.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw withPath(err, shown);
    return false;
  }
}

function applyCreation(fd: number, c: DirCreation): void {
  if (c.uid !== undefined || c.gid !== undefined) fs.fchownSync(fd, c.uid ?? -1, c.gid ?? -1);
  fs.fchmodSync(fd, c.mode);
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function withPath(err: unknown, shown: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string') e.path = shown;
  return e;
}

// Random bytes are drawn 4 KiB at a time (each byte used once): a getrandom
// call per name showed up on the crash → replacement path.
let pool = Buffer.alloc(0);
let used = 0;

/** `bytes` unpredictable bytes as hex, never handed out twice. */
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** An unpredictable name for a temp file next to `name`. */
export function tempName(name: string): string {
  return `.${name.slice(0, 200)}.nw-${randomHex(8)}.tmp`;
}

/** Refuses when `name` in dir exists as a symbolic link (nodewarden writes real files only). */
function refuseLink(dir: SafeDir, name: string): void {
  if (lstatOrNull(dir.at(name))?.isSymbolicLink()) {
    throw new UnsafeLinkError(
      `${dir.show(name)} is a symbolic link; nodewarden writes a real file there and will not replace a link`,
      dir.show(name),
    );
  }
}

/** Owner and mode of a written file, set on its descriptor before the content. */
export interface FileOwnership {
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Creates `name` in dir exclusively (O_CREAT|O_EXCL|O_NOFOLLOW): fails with
 * EEXIST when anything, a link included, is in the way. Returns the open fd,
 * already owned and moded as `own` says.
 */
export function createExclusive(dir: SafeDir, name: string, own: FileOwnership): number {
  const fd = fs.openSync(dir.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, own.mode & 0o700);
  try {
    if (own.uid !== undefined || own.gid !== undefined) fs.fchownSync(fd, own.uid ?? -1, own.gid ?? -1);
    fs.fchmodSync(fd, own.mode);
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(dir.at(name), { force: true });
    throw err;
  }
}

/** Writes a small text exclusively as `name` (a lock's temp file); synchronous. */
export function writeExclusiveSync(dir: SafeDir, name: string, text: string, own: FileOwnership): void {
  const fd = createExclusive(dir, name, own);
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces `name` in dir with `content` atomically: an exclusive temp file
 * under an unpredictable name, owned and moded on its fd, written, fsynced,
 * then renamed over `name` within the same directory. A link at `name` is
 * refused; a reader never sees half a file.
 */
export async function replaceFile(
  dir: SafeDir,
  name: string,
  content: string,
  own: FileOwnership,
): Promise<void> {
  refuseLink(dir, name);
  const tmp = tempName(name);
  const fd = createExclusive(dir, tmp, own);
  try {
    await new Promise<void>((resolve, reject) =>
      fs.writeFile(fd, content, (err) => (err ? reject(err) : resolve())),
    );
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(dir.at(tmp), { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(dir.at(tmp), dir.at(name));
  } catch (err) {
    fs.rmSync(dir.at(tmp), { force: true });
    throw withPath(err, dir.show(name));
  }
}

/**
 * Reads at most `max` bytes of `name` in dir without following a link.
 * Returns null when it is missing; `{kind: 'other'}` for a link, FIFO or
 * socket (never opened in a way that could block); the inode in both found cases.
 */
export function readNoFollow(
  dir: SafeDir,
  name: string,
  max: number,
): { kind: 'file'; text: string; ino: number } | { kind: 'other'; ino: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(dir.at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code !== 'ELOOP' && code !== 'ENXIO') throw withPath(err, dir.show(name));
    const st = lstatOrNull(dir.at(name));
    return st === null ? null : { kind: 'other', ino: st.ino };
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw errnoError('EISDIR', `${dir.show(name)} is a directory`, dir.show(name));
    if (!st.isFile()) return { kind: 'other', ino: st.ino };
    const buf = Buffer.alloc(max);
    const n = fs.readSync(fd, buf, 0, max, 0);
    return { kind: 'file', text: buf.subarray(0, n).toString('utf8'), ino: st.ino };
  } finally {
    fs.closeSync(fd);
  }
}

/** lstat of `name` in dir; null when missing. */
export function lstatIn(dir: SafeDir, name: string): fs.Stats | null {
  return lstatOrNull(dir.at(name));
}
