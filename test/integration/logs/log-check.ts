/**
 * Verifies a node log written from the line-writer fixture: the rotated files
 * (oldest first) and the current one hold lines 1..N exactly once, in order,
 * each whole, and no file exceeds maxBytes or ends inside a line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export function logFiles(logDir: string, name: string): string[] {
  const rotated = fs
    .readdirSync(logDir)
    .map((f) => ({ f, m: new RegExp(`^${name.replace(/\./g, '\\.')}\\.log\\.(\\d+)(\\.gz)?$`).exec(f) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]))
    .map((x) => path.join(logDir, x.f));
  return [...rotated, path.join(logDir, `${name}.log`)];
}

/**
 * With `tailOnly` (fewer backups than the run needs) the kept files must hold
 * lines K..N for some K: contiguous, whole, ending with the last line.
 * Returns how many lines were checked.
 */
export function checkLog(
  logDir: string,
  name: string,
  o: { lines: number; size: number; maxBytes: number; tailOnly?: boolean; stamped?: boolean },
): number {
  const filler = Buffer.alloc(o.size - 11, 'x');
  // With `stamped` every line starts with the writer's `2026-12-02T10:14:39.123Z ` (25 bytes).
  const pre = o.stamped ? 25 : 0;
  const lineBytes = o.size + pre;
  let expect = 1;
  let first = true;
  for (const file of logFiles(logDir, name)) {
    const raw = fs.readFileSync(file);
    const buf = file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw;
    if (first && o.tailOnly && buf.length > 0) expect = Number(buf.toString('latin1', pre, pre + 9));
    first = false;
    assert.ok(buf.length <= o.maxBytes, `${file} is ${buf.length} bytes, over maxBytes`);
    assert.equal(buf.length % lineBytes, 0, `${file} holds whole lines only`);
    for (let line = 0; line < buf.length; line += lineBytes) {
      const off = line + pre;
      const n = Number(buf.toString('latin1', off, off + 9));
      if (
        n !== expect ||
        (pre > 0 && (buf[line + 23] !== 0x5a || buf[line + 24] !== 0x20)) ||
        buf[off + 9] !== 0x20 ||
        buf[off + o.size - 1] !== 0x0a ||
        !buf.subarray(off + 10, off + o.size - 1).equals(filler)
      ) {
        assert.fail(
          `${file} at byte ${line}: expected line ${expect}, found ${JSON.stringify(buf.toString('latin1', line, line + lineBytes))}`,
        );
      }
      expect++;
    }
  }
  assert.equal(expect - 1, o.lines, 'the last line is the last one written');
  return o.tailOnly ? o.lines : expect - 1;
}
