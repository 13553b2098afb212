import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestDaemon, tmpDir, waitUntil, writeNode, type TestDaemon } from '../../helpers/daemon.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { killAll, startSim } from '../sim/harness.js';
import {
  BLOCK_MS,
  describeEvents,
  freePorts,
  nodeArgs,
  PROBE_MS,
  recordEvents,
  simNode,
  TEMPLATE,
  writeChainFile,
} from './support.js';

/**
 * A group that is out of sync as a whole: three sims that all stall by flag on
 * their normal profile, judged against a reference probe (an explorer: a sim the
 * test runs outside nodewarden on the same chain). The group moves to
 * `profiles.fallback` (which drops the stall flag), one node at a time, and
 * returns to the normal profile once it has been in sync for windowMs. Right
 * after the daemon started, every node file is edited on disk (a different
 * fallback) and never reloaded: the fallback that goes live is the loaded one.
 */

const NODES = ['n1', 'n2', 'n3'];
/** What the node files say on disk after the start, never reloaded. */
const EDITED = 'edited-on-disk';
/** The argv of every process each node was spawned with. */
const spawned = new Map<string, (readonly string[])[]>();
const sameTail = (argv: readonly string[], args: readonly string[]): boolean =>
  argv.length >= args.length && args.every((a, i) => argv[argv.length - args.length + i] === a);
let t: TestDaemon;
let events: NodewardenEvent[];
let chainDir: string;

before(async () => {
  chainDir = tmpDir();
  const chain = writeChainFile(chainDir, 10_000);
  const explorer = await startSim([
    '--chain-file',
    chain,
    '--block-ms',
    String(BLOCK_MS),
    '--name',
    'explorer',
  ]);
  const ports = await freePorts(NODES.length);
  const nodes: Record<string, Record<string, unknown>> = {};
  const edited: Record<string, Record<string, unknown>> = {};
  NODES.forEach((n, i) => {
    nodes[n] = {
      ...simNode(chain, ports[i]!, 'http', ['--stall-after', '1500']),
      profiles: { fallback: { args: nodeArgs(chain, ports[i]!) } },
    };
    edited[n] = {
      ...nodes[n],
      profiles: { fallback: { args: nodeArgs(chain, ports[i]!, ['--name', EDITED]) } },
    };
  });
  t = await startTestDaemon({
    template: {
      ...TEMPLATE,
      sync: {
        ...TEMPLATE.sync,
        reference: [
          {
            type: 'http',
            url: `http://127.0.0.1:${explorer.port}/height`,
            path: 'height',
            intervalMs: PROBE_MS,
            timeoutMs: 500,
          },
        ],
      },
    },
    nodes,
  });
  events = recordEvents(t.daemon);
  t.daemon.bus.on('process', (p) => {
    if (p.identity) spawned.set(p.node, [...(spawned.get(p.node) ?? []), p.identity.argv]);
  });
  for (const n of NODES) writeNode(t.configDir, n, edited[n]!);
});

after(async () => {
  if (process.env.NW_DEBUG) console.log(describeEvents(events));
  await t?.close();
  await killAll();
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
});

const restartsOf = (pred: (e: NodewardenEvent) => boolean): NodewardenEvent[] =>
  events.filter((e) => e.type === 'restarting' && pred(e));

describe('health: the fallback profile', () => {
  test('every node out of sync: each is restarted on the fallback profile, one at a time', async () => {
    const onFallback = () => restartsOf((e) => e.details.profile === 'fallback');
    await waitUntil(() => onFallback().length >= 3, 'three restarts onto the fallback profile', 40_000);
    const fb = onFallback().slice(0, 3);
    assert.deepEqual(new Set(fb.map((e) => e.node)), new Set(NODES), describeEvents(events));
    for (const e of fb) {
      assert.equal(e.reason === 'out_of_sync' || e.reason === 'unreachable', true, describeEvents(events));
      assert.equal(e.details.groupOutOfSync, true);
    }
    // Serialized: each switch is made only after the previous node is running (`started`) again.
    for (let i = 1; i < fb.length; i++) {
      const prev = fb[i - 1]!;
      const startedBetween = events.some(
        (e) =>
          e.type === 'started' &&
          e.node === prev.node &&
          events.indexOf(e) > events.indexOf(prev) &&
          events.indexOf(e) < events.indexOf(fb[i]!),
      );
      assert.ok(
        startedBetween,
        `${prev.node} started again before ${fb[i]!.node} was restarted: ${describeEvents(events)}`,
      );
    }
  });

  test('regression: the fallback that goes live is the one loaded, not the node file edited on disk since', async () => {
    const runsLoaded = (n: string) => {
      const loaded = t.daemon.supervisor.spec(n)!.profileSpecs.fallback!.args;
      return (spawned.get(n) ?? []).some((argv) => sameTail(argv, loaded));
    };
    await waitUntil(() => NODES.every(runsLoaded), 'every node spawned with the loaded fallback', 20_000);
    for (const n of NODES)
      for (const argv of spawned.get(n)!) assert.ok(!argv.includes(EDITED), `${n} ran ${argv.join(' ')}`);
  });

  test('on the fallback profile the nodes are in sync, and status shows the profile', async () => {
    await waitUntil(
      () =>
        NODES.every(
          (n) =>
            t.daemon.observations.get(n)?.profile === 'fallback' &&
            t.daemon.observations.get(n)?.health === 'in_sync',
        ),
      'every node in sync on fallback',
      20_000,
    );
  });

  test('once in sync for windowMs, they return to the normal profile (reason config)', async () => {
    const back = () => restartsOf((e) => e.reason === 'config' && e.details.previousProfile === 'fallback');
    await waitUntil(() => back().length >= 3, 'three restarts back to the normal profile', 30_000);
    assert.deepEqual(
      new Set(
        back()
          .slice(0, 3)
          .map((e) => e.node),
      ),
      new Set(NODES),
    );
    await waitUntil(
      () => NODES.every((n) => t.daemon.observations.get(n)?.profile === null),
      'status shows the normal profile',
    );
  });
});
