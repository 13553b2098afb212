import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../../src/protocol/sse-parser.js';
import { SSE_HEARTBEAT, sseFrame } from '../../../src/web/sse.js';

describe('SseParser', () => {
  test('reads the frames the daemon writes, however the stream is cut, skipping heartbeats and retry', () => {
    const frames: Array<[string, unknown]> = [];
    const p = new SseParser((e, d) => frames.push([e, d]));
    const text =
      'retry: 3000\n\n' +
      sseFrame('events', { events: [{ type: 'started', reason: 'line\nbreak' }] }) +
      SSE_HEARTBEAT +
      sseFrame('event', { type: 'stopped' });
    for (let i = 0; i < text.length; i += 7) p.push(text.slice(i, i + 7));
    assert.deepEqual(frames, [
      ['events', { events: [{ type: 'started', reason: 'line\nbreak' }] }],
      ['event', { type: 'stopped' }],
    ]);
  });

  test('a frame is delivered only once its blank line has come', () => {
    const frames: unknown[] = [];
    const p = new SseParser((_e, d) => frames.push(d));
    p.push('event: event\ndata: {"a":1}\n');
    assert.equal(frames.length, 0);
    p.push('\n');
    assert.deepEqual(frames, [{ a: 1 }]);
  });
});
