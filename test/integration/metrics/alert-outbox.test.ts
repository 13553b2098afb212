/**
 * The alert outbox in /metrics: alerts that cannot be delivered (a webhook
 * whose port refuses connections) wait in the outbox, and the scrape shows
 * how many and since when, by channel kind (email is always configured: .eml
 * files without SMTP), without naming the webhook URL.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { metricsFor } from '../../../src/metrics/registry.js';
import { startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { parseSamples, sample } from './exposition.js';

/** A loopback port nothing listens on (bound once, then closed). */
async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('alert outbox metrics', () => {
  let t: TestDaemon | null = null;
  after(async () => {
    await t?.close();
  });

  test('an undeliverable webhook alert shows as pending with the time of the oldest', async () => {
    const port = await refusedPort();
    const url = `http://127.0.0.1:${port}/hook?token=s3cret`;
    t = await startTestDaemon({
      manager: { alerts: { on: ['crashed'], throttleSeconds: 0, webhooks: [{ url, timeoutMs: 2000 }] } },
      nodes: { victim: {} },
    });
    const { victim } = await t.waitRunning();
    const scrape = (): Promise<string> => metricsFor(t!.daemon).registry.metrics();
    const before = await scrape();
    assert.equal(sample(before, 'nodewarden_alert_outbox_pending', { channel: 'webhook' }), 0);
    assert.equal(
      sample(before, 'nodewarden_alert_outbox_oldest_pending_timestamp_seconds', { channel: 'webhook' }),
      undefined,
    );

    const startedAt = Date.now() / 1000;
    process.kill(victim!, 'SIGKILL');
    const text = await waitUntil(async () => {
      const s = await scrape();
      return (sample(s, 'nodewarden_alert_outbox_pending', { channel: 'webhook' }) ?? 0) >= 1 ? s : null;
    }, 'the crash alert waits in the outbox');
    const oldest = sample(text, 'nodewarden_alert_outbox_oldest_pending_timestamp_seconds', {
      channel: 'webhook',
    });
    assert.ok(oldest !== undefined && oldest >= startedAt - 1 && oldest <= Date.now() / 1000, `${oldest}`);
    assert.ok(!text.includes('s3cret'), 'the webhook URL is not exported');
    assert.deepEqual(
      parseSamples(text)
        .filter((s) => s.name === 'nodewarden_alert_outbox_pending')
        .map((s) => s.labels.channel)
        .sort(),
      ['email', 'webhook'],
    );
  });
});
