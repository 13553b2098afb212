/**
 * A real out_of_sync (a sim node whose height freezes beside a healthy one)
 * mailed to the outbox as an .eml file: the reference height in the mail is
 * the one the event recorded in its details.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { startTestDaemon, tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { freePort, recordEvents, simNode, TEMPLATE, writeChainFile } from '../health/support.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));

let t: TestDaemon;
let chainDir: string;
let events: NodewardenEvent[];

before(async () => {
  chainDir = tmpDir();
  const chain = writeChainFile(chainDir, 10_000);
  const [p1, p2] = await Promise.all([freePort(), freePort()]);
  t = await startTestDaemon({
    manager: {
      templatesDir: TEMPLATES,
      alerts: { on: ['out_of_sync'], email: { from: 'nw@test.invalid', to: ['ops@test.invalid'] } },
    },
    template: TEMPLATE,
    nodes: {
      stalled: simNode(chain, p1!, 'http', ['--stall-after', '1500']),
      steady: simNode(chain, p2!, 'http'),
    },
  });
  events = recordEvents(t.daemon);
});

after(async () => {
  await t?.close();
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
});

test(
  "an out_of_sync mail shows the reference height of its event's details",
  { timeout: 60_000 },
  async () => {
    const oos = await waitUntil(
      () => events.find((e) => e.node === 'stalled' && e.type === 'out_of_sync'),
      'an out_of_sync event of stalled',
      30_000,
    );
    const reference = oos.details['referenceHeight'];
    assert.equal(typeof reference, 'number', JSON.stringify(oos.details));
    assert.equal(reference, oos.details['reference']);
    const outbox = path.join(t.dir, 'state', 'outbox');
    const file = await waitUntil(
      () =>
        fs.existsSync(outbox)
          ? fs.readdirSync(outbox).find((f) => f.includes('-stalled-out_of_sync-') && f.endsWith('.eml')) // not the .tmp being written
          : undefined,
      'the out_of_sync mail in the outbox',
      20_000,
    );
    // Undo quoted-printable soft line breaks before reading the text part.
    const mail = fs.readFileSync(path.join(outbox, file), 'utf8').replace(/=\r\n/g, '');
    const shown = /is out of sync[^\r\n]*: height (\d+|unknown), reference (\d+)/.exec(mail);
    assert.ok(shown, mail);
    assert.equal(Number(shown[2]), reference, 'the mail shows the reference height of the event');
    if (typeof oos.details['height'] === 'number') assert.equal(shown[1], String(oos.details['height']));
    // The stored event carries the same figure (what `nodewarden events` shows).
    const stored = await t.client.events({ node: 'stalled', type: 'out_of_sync' });
    assert.equal(stored.events.at(-1)?.details['referenceHeight'], reference);
  },
);
