import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, openStore } from '../../../src/store/db.js';
import { SCHEMA_VERSION, schemaVersion } from '../../../src/store/migrations.js';
import { FakeClock, MemoryLogger, tempDir } from '../../unit/store/helpers.js';

const T0 = Date.UTC(2024, 0, 1, 12, 30);
const STAMP = '2024-01-01T12-30-00-000Z';

/** A store file with some events, closed (checkpointed into the main file). */
function populated(dir: string): void {
  const store = openStore(dir, { logger: new MemoryLogger(), clock: new FakeClock(T0) });
  const insert = store.db.prepare(
    `INSERT INTO events (ts, node, type, severity, details) VALUES (?, 'a', 'started', 'info', ?)`,
  );
  for (let i = 0; i < 300; i++) insert.run(T0 + i, JSON.stringify({ pad: 'x'.repeat(200) }));
  store.close();
}

function assertMovedAside(dir: string, logger: MemoryLogger, original: Buffer): void {
  const aside = path.join(dir, `${DB_FILE}.corrupt-${STAMP}`);
  assert.ok(fs.existsSync(aside), `expected ${aside}; dir has ${fs.readdirSync(dir).join(', ')}`);
  assert.deepEqual(fs.readFileSync(aside), original, 'the damaged file is kept byte for byte');
  const line = logger.lines.find((l) => l.level === 'error');
  assert.ok(line, 'a log line says what happened');
  assert.match(line.message, /is not a usable database \(SQLITE_(NOTADB|CORRUPT)/);
  assert.ok(line.message.includes(aside), 'the log line names where the file went');
}

function openFresh(dir: string, logger: MemoryLogger): void {
  const store = openStore(dir, { logger, clock: new FakeClock(T0) });
  try {
    assert.equal(schemaVersion(store.db), SCHEMA_VERSION);
    assert.deepEqual(store.queryEvents(), []);
    assert.equal(store.setDesired('a', 'running'), true, 'the fresh database takes writes');
  } finally {
    store.close();
  }
}

test('a file that is not a database is moved aside (with its -wal) and a fresh database is created', () => {
  const { dir, cleanup } = tempDir();
  try {
    const original = Buffer.from('this is not an SQLite database\n'.repeat(200));
    fs.writeFileSync(path.join(dir, DB_FILE), original);
    fs.writeFileSync(path.join(dir, `${DB_FILE}-wal`), 'leftover wal'); // travels with its database
    const logger = new MemoryLogger();
    openFresh(dir, logger);
    assertMovedAside(dir, logger, original);
    assert.equal(fs.readFileSync(path.join(dir, `${DB_FILE}.corrupt-${STAMP}-wal`), 'utf8'), 'leftover wal');
  } finally {
    cleanup();
  }
});

test('a malformed schema page is moved aside and a fresh database is created', () => {
  const { dir, cleanup } = tempDir();
  try {
    populated(dir);
    const file = path.join(dir, DB_FILE);
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 100, 300); // page 1 b-tree header and cell pointers, after the 100-byte file header
    fs.writeFileSync(file, bytes);
    const logger = new MemoryLogger();
    openFresh(dir, logger);
    assertMovedAside(dir, logger, bytes);
  } finally {
    cleanup();
  }
});

test('damage deep inside is found by quick_check when a write saw corruption (marker), and moved aside', () => {
  const { dir, cleanup } = tempDir();
  try {
    populated(dir);
    const file = path.join(dir, DB_FILE);
    const db = new Database(file, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 4 * pageSize, 4 * pageSize + 200); // a leaf page of the events table
    fs.writeFileSync(file, bytes);

    // Without the marker, opening stays cheap (no full check) and works.
    openStore(dir, { logger: new MemoryLogger(), clock: new FakeClock(T0) }).close();
    assert.equal(fs.readdirSync(dir).filter((f) => f.includes('corrupt')).length, 0);

    fs.writeFileSync(`${file}.check`, 'corruption seen\n'); // what WriteQueue's onCorruption leaves
    const logger = new MemoryLogger();
    openFresh(dir, logger);
    assertMovedAside(dir, logger, fs.readFileSync(path.join(dir, `${DB_FILE}.corrupt-${STAMP}`)));
    assert.ok(!fs.existsSync(`${file}.check`), 'marker removed with the bad file');
  } finally {
    cleanup();
  }
});

test('a write that meets a damaged page is kept and counted, and the next open checks and moves the file aside', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, DB_FILE);
    const first = openStore(dir, { logger: new MemoryLogger(), clock: new FakeClock(T0) });
    const root = first.db
      .prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'events'`)
      .pluck()
      .get() as number;
    const pageSize = first.db.pragma('page_size', { simple: true }) as number;
    first.close();

    const logger = new MemoryLogger();
    const store = openStore(dir, { logger, clock: new FakeClock(T0) });
    try {
      // damage the events table under the open connection (it has not read that page yet)
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.alloc(pageSize, 0xff), 0, pageSize, (root - 1) * pageSize);
      fs.closeSync(fd);
      store.append({ ts: T0, node: 'a', type: 'started', severity: 'info', reason: null, details: {} });
      await new Promise((resolve) => setImmediate(resolve));
      assert.match(store.stats().lastErrorCode ?? '', /^SQLITE_CORRUPT/);
      assert.equal(store.stats().backlog, 1);
      assert.ok(fs.existsSync(`${file}.check`), 'marker left for the next open');
    } finally {
      store.close();
    }
    const next = new MemoryLogger();
    openFresh(dir, next);
    assert.ok(fs.existsSync(path.join(dir, `${DB_FILE}.corrupt-${STAMP}`)));
    assert.match(next.lines.find((l) => l.level === 'error')?.message ?? '', /quick_check/);
  } finally {
    cleanup();
  }
});

test('a state directory that cannot be used fails with E_STORE naming the file', () => {
  const { dir, cleanup } = tempDir();
  try {
    fs.mkdirSync(path.join(dir, DB_FILE)); // a directory where the database should be
    assert.throws(
      () => openStore(dir, { logger: new MemoryLogger() }),
      (err: unknown) =>
        (err as { code?: string }).code === 'E_STORE' &&
        (err as Error).message.includes(path.join(dir, DB_FILE)),
    );
    assert.ok(fs.statSync(path.join(dir, DB_FILE)).isDirectory(), 'nothing moved or deleted');
  } finally {
    cleanup();
  }
});
