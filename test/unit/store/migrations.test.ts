import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { nullLogger } from '../../../src/logger.js';
import { openStore, DB_FILE } from '../../../src/store/db.js';
import { applyMigrations, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../../src/store/migrations.js';
import { SEEDS } from '../../fixtures/db/seeds.js';
import { FakeClock, tempDir } from './helpers.js';

const FIXTURE_DIR = new URL('../../../../test/fixtures/db/', import.meta.url).pathname;

function schemaOf(db: Database.Database): string[] {
  return (
    db.prepare(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name`).pluck().all() as string[]
  ).map((s) => s.replace(/\s+/g, ' '));
}

test('every migration has a seed, so the upgrade test covers every version', () => {
  for (let v = 1; v <= SCHEMA_VERSION; v++)
    assert.ok(SEEDS[v], `no seed for schema v${v} in test/fixtures/db/seeds.ts`);
});

for (let from = 0; from <= SCHEMA_VERSION; from++) {
  test(`a database at schema v${from} opens at v${SCHEMA_VERSION} with its data`, () => {
    const { dir, cleanup } = tempDir();
    try {
      // Build it as history did: each version's code wrote its own rows.
      const db = new Database(path.join(dir, DB_FILE));
      for (let v = 1; v <= from; v++) {
        applyMigrations(db, v);
        SEEDS[v]!.insert(db);
      }
      assert.equal(schemaVersion(db), from);
      db.close();

      const store = openStore(dir, { logger: nullLogger, clock: new FakeClock(Date.UTC(2024, 0, 2)) });
      try {
        assert.equal(schemaVersion(store.db), SCHEMA_VERSION);
        for (let v = 1; v <= from; v++) SEEDS[v]!.verify(store);
      } finally {
        store.close();
      }
    } finally {
      cleanup();
    }
  });
}

test('the checked-in v1 fixture upgrades to the current schema with its data', () => {
  const { dir, cleanup } = tempDir();
  try {
    fs.copyFileSync(path.join(FIXTURE_DIR, 'v1.sqlite'), path.join(dir, DB_FILE));
    const store = openStore(dir, { logger: nullLogger, clock: new FakeClock(Date.UTC(2024, 0, 2)) });
    try {
      assert.equal(schemaVersion(store.db), SCHEMA_VERSION);
      SEEDS[1]!.verify(store);
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});

test('the released v1 migration is unchanged (its schema equals the checked-in fixture)', () => {
  const fixture = new Database(path.join(FIXTURE_DIR, 'v1.sqlite'), { readonly: true });
  const fresh = new Database(':memory:');
  try {
    applyMigrations(fresh, 1);
    assert.equal(schemaVersion(fixture), 1);
    assert.deepEqual(schemaOf(fresh), schemaOf(fixture));
  } finally {
    fixture.close();
    fresh.close();
  }
});

test('reopening a current database applies nothing and keeps WAL mode', () => {
  const { dir, cleanup } = tempDir();
  try {
    openStore(dir, { logger: nullLogger }).close();
    const store = openStore(dir, { logger: nullLogger });
    try {
      assert.equal(schemaVersion(store.db), MIGRATIONS.length);
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(store.db.pragma('synchronous', { simple: true }), 1); // NORMAL
      assert.equal(store.db.pragma('busy_timeout', { simple: true }), 100);
      assert.equal(fs.statSync(path.join(dir, DB_FILE)).mode & 0o777, 0o600);
    } finally {
      store.close();
    }
  } finally {
    cleanup();
  }
});

test('a database from a newer nodewarden is refused with E_STORE and left in place', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, DB_FILE);
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => openStore(dir, { logger: nullLogger }),
      (err: unknown) =>
        (err as { code?: string }).code === 'E_STORE' &&
        /newer than this nodewarden/.test((err as Error).message),
    );
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('corrupt')),
      [],
    );
    const again = new Database(file, { readonly: true });
    assert.equal(schemaVersion(again), SCHEMA_VERSION + 1);
    again.close();
  } finally {
    cleanup();
  }
});

test('a failing migration leaves the database at its old version (one transaction)', () => {
  const db = new Database(':memory:');
  try {
    applyMigrations(db, 1);
    db.exec('CREATE TABLE state_intervals (x)'); // makes v2 fail half-way
    assert.throws(() => applyMigrations(db), /already exists/);
    assert.equal(schemaVersion(db), 1);
    assert.equal(
      db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'samples_raw'`).pluck().get(),
      0,
    );
  } finally {
    db.close();
  }
});
