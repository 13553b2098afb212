/**
 * `nodewarden start all` against a running daemon whose nodes do not start
 * by themselves, and a crash of one of them: every node runs exactly one
 * process, and what a new manager needs (desired state, process identity)
 * is in the database once the command has returned, for every node of the
 * burst, and follows a crash's replacement; every start and crash is
 * recorded as an event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isAlive } from '../../../src/supervisor/proc.js';
import { SIM, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';

const COUNT = 24;
const NAMES = Array.from({ length: COUNT }, (_, i) => `burst-${i + 1}`);

/** Live processes of the simulated node `name` (its argv names it), zombies left out. */
function processesOf(name: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    let stat: string;
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') continue;
    const at = argv.indexOf('--name');
    if (argv.includes(SIM) && at >= 0 && argv[at + 1] === name) out.push(Number(entry));
  }
  return out;
}

interface NodeRow {
  name: string;
  desired: string | null;
  pid: number | null;
}

describe('start all through the CLI, then a crash', { timeout: 180_000 }, () => {
  let t: TestDaemon;
  let db: Database.Database;
  const rows = (): Map<string, NodeRow> =>
    new Map((db.prepare('SELECT name, desired, pid FROM nodes').all() as NodeRow[]).map((r) => [r.name, r]));
  const events = (node: string, type: string): number =>
    (
      db.prepare('SELECT count(*) AS n FROM events WHERE node = ? AND type = ?').get(node, type) as {
        n: number;
      }
    ).n;

  before(async () => {
    t = await startTestDaemon({
      // As the bench runs them: a crash after a second up is replaced at once (no backoff).
      template: { autostart: false, restart: { stableSeconds: 1 } },
      nodes: { burst: { instances: COUNT } },
    });
    db = new Database(path.join(t.daemon.manager.stateDir, 'nodewarden.db'), { readonly: true });
  });
  after(async () => {
    db?.close();
    await t?.close();
  });

  test('every node starts once; its desired state and process are recorded when the command returns', async () => {
    for (const n of NAMES) assert.equal(t.pid(n), null, `${n} does not start by itself`);
    const r = await t.cli(['start', 'all']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const n of NAMES) assert.match(r.stdout, new RegExp(`^${n}: started$`, 'm'));
    // Read before anything else happens: the rows of the whole burst are on disk already.
    const recorded = rows();
    for (const n of NAMES) {
      const row = recorded.get(n);
      assert.equal(row?.desired, 'running', `${n}: desired state recorded`);
      assert.ok(row?.pid, `${n}: process recorded`);
      assert.equal(row.pid, t.pid(n), `${n}: the recorded process is the live one`);
    }
    const pids = await t.waitRunning(NAMES);
    assert.equal(new Set(Object.values(pids)).size, COUNT, 'one distinct process per node');
    for (const n of NAMES) assert.deepEqual(processesOf(n), [pids[n]], `${n} runs exactly one process`);
    await waitUntil(() => NAMES.every((n) => events(n, 'started') === 1), 'a started event per node');
  });

  test('a SIGKILLed node is replaced by one process, recorded in place of the old one', async () => {
    const victim = NAMES[COUNT - 1]!;
    const old = t.pid(victim)!;
    const startedBefore = events(victim, 'started');
    process.kill(old, 'SIGKILL');
    const fresh = await waitUntil(() => {
      const p = t.pid(victim);
      return p !== null && p !== old && t.daemon.supervisor.runner(victim)?.snapshot().state === 'running'
        ? p
        : null;
    }, `${victim} replaced`);
    assert.ok(!isAlive(old), 'the old process is gone');
    assert.deepEqual(processesOf(victim), [fresh], 'exactly one process of the node');
    await waitUntil(() => rows().get(victim)?.pid === fresh, 'the replacement recorded in the nodes table');
    await waitUntil(
      () =>
        events(victim, 'crashed') === 1 &&
        events(victim, 'restarting') === 1 &&
        events(victim, 'started') === startedBefore + 1,
      'crashed, restarting and started recorded',
    ).catch((err: Error) => {
      const seen = db
        .prepare('SELECT type, reason, details FROM events WHERE node = ? ORDER BY id')
        .all(victim);
      throw new Error(`${err.message}: ${JSON.stringify(seen)}`);
    });
    // The other nodes kept their processes.
    for (const n of NAMES.slice(0, -1)) assert.equal(processesOf(n).length, 1, `${n} untouched`);
  });
});
