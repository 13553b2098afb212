import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rowWithoutFigures } from '../../../src/api/status.js';
import { renderStatus } from '../../../src/cli/render/status.js';
import type { NodeStatus } from '../../../src/protocol/types.js';

const row = (name: string, state: string): NodeStatus => ({
  ...rowWithoutFigures(name, state),
  pid: state === 'running' ? 4242 : null,
  priority: 100,
});

describe('status table', () => {
  test('regression: a paused node reads as stopped by host pressure; other states as they are', () => {
    const lines = renderStatus([row('spare', 'paused'), row('main', 'running')], false);
    assert.match(lines[1]!, /^spare\s+paused \(stopped: host pressure\)\s+unknown/);
    assert.match(lines[2]!, /^main\s+running\s+unknown\s+4242/);
  });
});
