import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimArgs, SimUsageError } from '../../../src/sim/args.js';
import { HeightModel } from '../../../src/sim/chain.js';

describe('sim-node flag parsing', () => {
  test('defaults', () => {
    const o = parseSimArgs([]);
    assert.equal(o.port, 0);
    assert.equal(o.blockMs, 1000);
    assert.equal(o.startHeight, 0);
    assert.equal(o.crashAfter, null);
    assert.equal(o.stopDelayMs, 0);
    assert.equal(o.spew, false);
  });

  test('--flag value and --flag=value, booleans, MS:CODE', () => {
    const o = parseSimArgs([
      '--port=9000',
      '--crash-after',
      '45000:3',
      '--ignore-sigterm',
      '--spew-lines',
      '10',
    ]);
    assert.equal(o.port, 9000);
    assert.deepEqual(o.crashAfter, { ms: 45000, code: 3 });
    assert.equal(o.ignoreSigterm, true);
    assert.equal(o.spew, true, '--spew-lines implies --spew');
    assert.deepEqual(parseSimArgs(['--crash-after', '10']).crashAfter, { ms: 10, code: 1 });
  });

  test('--port beats $SIM_PORT, which beats 0', () => {
    assert.equal(parseSimArgs([], { SIM_PORT: '18541' }).port, 18541);
    assert.equal(parseSimArgs(['--port', '5'], { SIM_PORT: '18541' }).port, 5);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--lag', '-1'], /--lag: expected a non-negative integer, got "-1"/],
    [['--block-ms', '0'], /--block-ms: expected a positive integer, got "0"/],
    [['--bogus'], /unknown argument "--bogus"/],
    [['--name'], /--name: missing value/],
    [['--port', '70000'], /--port: expected 0-65535, got 70000/],
    [['--spew=yes'], /--spew: takes no value/],
    [['--crash-after', '5:300'], /--crash-after: expected an exit code 0-255/],
    [['--catch-up-from', '5'], /must be given together/],
    [['--chain-file', 'c.json', '--start-height', '5'], /cannot be combined/],
    [[], /SIM_PORT: expected a non-negative integer, got "abc"/],
  ];
  for (const [argv, re] of bad) {
    test(`rejects ${argv.join(' ') || '$SIM_PORT=abc'}`, () => {
      assert.throws(
        () => parseSimArgs(argv, argv.length ? {} : { SIM_PORT: 'abc' }),
        (e: unknown) => {
          assert.ok(e instanceof SimUsageError);
          assert.match(e.message, re);
          return true;
        },
      );
    });
  }
});

describe('sim height model', () => {
  const base = { blockMs: 100, startHeight: 0, lag: 0, stallAt: null, stallAfterMs: null, catchUp: null };

  test('own chain counts from start height; shared chain from genesis', () => {
    assert.deepEqual(new HeightModel({ ...base, startHeight: 10 }, 1000, null).at(1350), {
      height: 13,
      tip: 13,
    });
    const shared = new HeightModel(base, 5000, { genesisMs: 0, blockMs: 1000 });
    assert.deepEqual(shared.at(7500), { height: 7, tip: 7 });
  });

  test('lag never goes below zero; stall-at caps; catch-up meets the tip then follows it', () => {
    assert.equal(new HeightModel({ ...base, lag: 5 }, 0, null).at(200).height, 0);
    assert.equal(new HeightModel({ ...base, stallAt: 4 }, 0, null).at(9000).height, 4);
    const m = new HeightModel({ ...base, startHeight: 100, catchUp: { from: 0, rate: 11 } }, 0, null);
    assert.deepEqual(m.at(500), { height: 55, tip: 105 });
    assert.deepEqual(m.at(1000), { height: 110, tip: 110 });
    assert.deepEqual(m.at(5000), { height: 150, tip: 150 });
  });
});
