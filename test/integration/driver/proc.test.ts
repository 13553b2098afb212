import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import {
  descendants,
  isAlive,
  parseStat,
  parseStatBytes,
  processTable,
  processTableOf,
  readLastPid,
  readCmdline,
  readStartTime,
  readStat,
} from '../../../src/supervisor/proc.js';
import { SH, waitUntil } from './support.js';

test('parseStat reads fields after the last ")" even when the command name holds spaces and parens', () => {
  const line =
    '4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 987654 1000 25 18446744073709551615';
  const st = parseStat(4242, line)!;
  assert.equal(st.state, 'S');
  assert.equal(st.ppid, 1);
  assert.equal(st.pgid, 4242);
  assert.equal(st.sid, 4242);
  assert.equal(st.cpuTicks, 10);
  assert.equal(st.startTime, '987654');
  assert.equal(st.rssPages, 25);
  assert.equal(parseStat(1, 'garbage'), null);
});

test('parseStatBytes reads what parseStat reads, on the synthetic line and on every live /proc/<pid>/stat', () => {
  const line =
    '4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 987654 1000 25 18446744073709551615';
  assert.deepEqual(parseStatBytes(4242, Buffer.from(line, 'latin1'), line.length), parseStat(4242, line));
  assert.equal(parseStatBytes(1, Buffer.from('garbage'), 7), null);
  const short = '1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 3';
  assert.equal(parseStatBytes(1, Buffer.from(short), short.length), null);
  let compared = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    const buf = Buffer.from(text, 'latin1');
    assert.deepEqual(parseStatBytes(Number(name), buf, buf.length), parseStat(Number(name), text), text);
    compared++;
  }
  assert.ok(compared > 0);
});

test('readLastPid moves when a process is born; processTableOf reads just the pids asked for', async () => {
  const before = readLastPid();
  assert.ok(before !== null && before > 0);
  const child = spawn(SH, ['-c', 'sleep 30'], { stdio: 'ignore' });
  try {
    await once(child, 'spawn');
    assert.notEqual(readLastPid(), before);
    const t = processTableOf([process.pid, child.pid!, 2 ** 22 + 1]);
    assert.deepEqual(
      [...t.procs.keys()].sort((a, b) => a - b),
      [process.pid, child.pid!].sort((a, b) => a - b),
    );
    assert.deepEqual(t.children.get(process.pid), [child.pid]);
    assert.equal(t.procs.get(child.pid!)!.ppid, process.pid);
    assert.equal(t.procs.get(child.pid!)!.startTime, readStat(child.pid!)!.startTime);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

test('readStat, readCmdline and isAlive describe this process; a wrong start time means another process', () => {
  const st = readStat(process.pid)!;
  assert.equal(st.pid, process.pid);
  assert.equal(st.ppid, process.ppid);
  assert.ok(readCmdline(process.pid)!.some((a) => a.endsWith('proc.test.js')));
  assert.ok(isAlive(process.pid));
  assert.ok(isAlive(process.pid, st.startTime));
  assert.equal(isAlive(process.pid, String(Number(st.startTime) + 1)), false);
  assert.equal(isAlive(0), false);
  assert.equal(readStartTime(2 ** 22 + 1), null, 'beyond pid_max');
  assert.equal(readCmdline(2 ** 22 + 1), null);
});

test('processTable finds a process tree; a reaped process is no longer alive', async () => {
  const child = spawn(SH, ['-c', 'sleep 1000 & sleep 1000 & wait'], { stdio: 'ignore' });
  const pid = child.pid!;
  try {
    const kids = await waitUntil(() => {
      const d = descendants(pid, processTable());
      return d.length === 2 ? d : null;
    }, 'two sleeps under sh');
    const table = processTable();
    assert.equal(table.procs.get(pid)!.ppid, process.pid);
    assert.ok(table.children.get(process.pid)!.includes(pid));
    assert.deepEqual(
      descendants(process.pid, table)
        .filter((p) => p === pid || kids.includes(p))
        .sort(),
      [pid, ...kids].sort(),
    );
    for (const k of kids) process.kill(k, 'SIGKILL');
  } finally {
    child.kill('SIGKILL');
  }
  await once(child, 'exit');
  assert.equal(isAlive(pid), false);
});
