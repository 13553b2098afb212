/**
 * The manager's own log: secrets masked in message and meta, nodewarden.log
 * and its rotations mode 0600 (also an older file that was wider), and a log
 * disk that is full drops and counts lines, never throws, and resumes once
 * there is room again; a console whose pipe broke goes quiet without throwing.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { MASK } from '../../../src/config/issues.js';
import { Redaction } from '../../../src/config/redact.js';
import { createLogger } from '../../../src/logger.js';
import { ManagerLogFile } from '../../../src/logs/manager-log.js';
import { tmpDir } from '../../helpers/daemon.js';
import { waitUntil } from '../../helpers/wait.js';

const SECRET = 'a3f09c2e7b1d48e6a3f09c2e7b1d48e6';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}
const mode = (f: string): number => fs.statSync(f).mode & 0o777;

test('secrets are masked in the message and the meta of nodewarden.log and the console; the file is 0600', async () => {
  const logDir = dir();
  const redaction = new Redaction();
  redaction.learn([SECRET]);
  const stderr = new PassThrough();
  let consoleText = '';
  stderr.setEncoding('utf8').on('data', (d: string) => (consoleText += d));
  const logger = createLogger({ logDir, redaction, stderr: stderr as unknown as NodeJS.WriteStream });
  logger.warn(`spawn failed: /bin/geth --rpcpassword=${SECRET}`, {
    argv: ['/bin/geth', '--password', 'literal-pw'],
    error: `http://u:${SECRET}@h/`,
  });
  await logger.close();
  const file = path.join(logDir, 'nodewarden.log');
  const text = fs.readFileSync(file, 'utf8');
  const line = JSON.parse(text.trim()) as { message: string; argv: string[]; error: string };
  assert.equal(line.message, `spawn failed: /bin/geth --rpcpassword=${MASK}`);
  assert.deepEqual(line.argv, ['/bin/geth', '--password', MASK]);
  assert.equal(line.error, `http://u:${MASK}@h/`);
  assert.ok(!consoleText.includes(SECRET) && consoleText.includes(MASK), consoleText);
  assert.equal(mode(file), 0o600);
});

test('an existing world-readable nodewarden.log is made 0600; rotations are 0600 and named .1, .2', async () => {
  const logDir = dir();
  const file = path.join(logDir, 'nodewarden.log');
  fs.writeFileSync(file, '{"message":"old"}\n', { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  const logger = createLogger({ logDir, maxBytes: 400, backups: 2, silentConsole: true });
  for (let i = 0; i < 40; i++) {
    logger.info(`line ${i} ${'x'.repeat(60)}`);
    // Each group of five is written before the next is logged, so a rotation falls between groups.
    if (i % 5 === 4) await waitUntil(() => logger.stats().file!.writtenLines === i + 1, `line ${i} written`);
  }
  await logger.close();
  assert.equal(mode(file), 0o600);
  for (const f of [`${file}.1`, `${file}.2`]) {
    assert.ok(fs.existsSync(f), `${f} exists`);
    assert.equal(mode(f), 0o600, f);
  }
  assert.ok(!fs.existsSync(`${file}.3`), 'no more than `backups` rotations are kept');
  assert.ok(logger.stats().file!.rotations >= 2);
});

test('a full log disk (/dev/full) drops and counts lines; logging never throws and the console goes on', async () => {
  const logDir = dir();
  fs.symlinkSync('/dev/full', path.join(logDir, 'nodewarden.log'));
  const stderr = new PassThrough();
  let consoleText = '';
  stderr.setEncoding('utf8').on('data', (d: string) => (consoleText += d));
  const logger = createLogger({ logDir, stderr: stderr as unknown as NodeJS.WriteStream });
  for (let i = 0; i < 20; i++) logger.error(`line ${i}`);
  await logger.close();
  const stats = logger.stats().file!;
  assert.equal(stats.writtenLines, 0);
  assert.equal(stats.droppedLines, 20);
  assert.ok(stats.errors >= 1);
  assert.match(stats.lastError ?? '', /ENOSPC/);
  assert.match(consoleText, /line 19/);
});

test('after the disk had no room, later lines are written again, and only whole lines are in the file', async () => {
  const file = path.join(dir(), 'nodewarden.log');
  let full = true;
  const out = new ManagerLogFile({
    file,
    maxBytes: 1 << 20,
    backups: 1,
    // A disk with room for 5 more bytes, until room is made.
    write: (fd, buf, off, len) => {
      if (!full) return Promise.resolve(fs.writeSync(fd, buf, off, len));
      if (off === 0) return Promise.resolve(fs.writeSync(fd, buf, off, Math.min(len, 5)));
      return Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    },
  });
  out.write('lost one');
  await out.flush();
  full = false;
  out.write('kept one');
  out.write('kept two');
  await out.close();
  assert.equal(fs.readFileSync(file, 'utf8'), 'kept one\nkept two\n');
  assert.deepEqual(
    { ...out.stats(), lastError: out.stats().lastError?.endsWith('ENOSPC') },
    { writtenLines: 2, droppedLines: 1, errors: 1, rotations: 0, lastError: true },
  );
});

test('a console stream that breaks (EPIPE) is counted and silenced; nothing is thrown', async () => {
  const stderr = new PassThrough();
  const logger = createLogger({ stderr: stderr as unknown as NodeJS.WriteStream });
  logger.info('before');
  stderr.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  await new Promise((r) => setImmediate(r));
  logger.info('after');
  logger.error('and again');
  await logger.close();
  assert.equal(logger.stats().consoleErrors, 1);
  assert.equal(logger.stats().consoleClosed, true);
});
