import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, issue } from '../config/issues.js';
import type { ConfigIssue } from '../config/types.js';
import { createExclusive, openDir, tempName } from '../supervisor/safe-fs.js';

/** The generated bearer token of the TCP control API, in stateDir, when nodewarden.json sets none. */
const HTTP_TOKEN_FILE = 'http.token';

/** Fewest characters a token file may hold (a generated one has 43). */
const MIN_TOKEN_LENGTH = 16;
/** Printable ASCII without spaces: the token travels in a header and in `?token=`. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

function httpTokenPath(stateDir: string): string {
  return path.join(stateDir, HTTP_TOKEN_FILE);
}

type TokenRead = { token: string } | { problem: string } | { missing: true };

/**
 * Read a token file without following a link or blocking on a FIFO, and say
 * what is wrong with it: it must be a regular file of this user that nobody
 * else can read or write, holding one token.
 */
function readTokenFile(file: string): TokenRead {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    if (code === 'ELOOP')
      return { problem: 'is a symbolic link; nodewarden does not follow links to its token' };
    return { problem: `cannot be read (${code ?? String(err)})` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { problem: 'is not a regular file' };
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid)
      return { problem: `belongs to uid ${st.uid}, not to uid ${uid} that runs nodewarden` };
    if ((st.mode & 0o077) !== 0) {
      return {
        problem: `is mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}: other users may read the token (chmod 600 it, or remove it to have a new one made)`,
      };
    }
    if (st.size > 4096) return { problem: `is ${st.size} bytes long: not a token` };
    const token = fs.readFileSync(fd, 'utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH || !TOKEN_CHARS.test(token)) {
      return {
        problem: `must hold one token of at least ${MIN_TOKEN_LENGTH} printable characters without spaces (remove it to have a new one made)`,
      };
    }
    return { token };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What stops `run` from using an existing token file (`config check` reports
 * the same); none when the file is fine or does not exist yet. Someone other
 * than the owner of stateDir (root checking a service's config, say) cannot
 * judge the file the way its daemon will, so is told nothing about it.
 */
export function tokenFileIssues(stateDir: string): ConfigIssue[] {
  const dir = fs.statSync(stateDir, { throwIfNoEntry: false });
  const uid = process.getuid?.();
  if (!dir || (uid !== undefined && dir.uid !== uid)) return [];
  const file = httpTokenPath(stateDir);
  const read = readTokenFile(file);
  return 'problem' in read ? [issue(file, '', read.problem)] : [];
}

/**
 * The token of the TCP listener when nodewarden.json sets none: read from
 * `<stateDir>/http.token`, or made at the first start (32 random bytes,
 * base64url) so it stays the same across restarts. The file is written under
 * a private name in the opened stateDir (safe-fs) and linked into place, so it appears whole, mode 0600, and a
 * link or file planted at its path is never followed or overwritten. A
 * token file that is not safe to use is a ConfigError.
 */
export function readOrCreateHttpToken(
  stateDir: string,
  configDir: string,
): { token: string; created: boolean } {
  const file = httpTokenPath(stateDir);
  const existing = readTokenFile(file);
  if ('token' in existing) return { token: existing.token, created: false };
  if ('problem' in existing) throw new ConfigError(configDir, [issue(file, '', existing.problem)]);

  const token = crypto.randomBytes(32).toString('base64url');
  const dir = openDir(stateDir);
  const tmp = tempName(HTTP_TOKEN_FILE);
  try {
    const fd = createExclusive(dir, tmp, { mode: 0o600 });
    try {
      fs.writeSync(fd, `${token}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(dir.at(tmp), dir.at(HTTP_TOKEN_FILE));
  } catch (err) {
    // Someone made it meanwhile: theirs wins, if it is usable.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const raced = readTokenFile(file);
    if ('token' in raced) return { token: raced.token, created: false };
    throw new ConfigError(configDir, [
      issue(file, '', 'problem' in raced ? raced.problem : 'appeared and vanished while it was being made'),
    ]);
  } finally {
    fs.rmSync(dir.at(tmp), { force: true });
    dir.close();
  }
  return { token, created: true };
}
