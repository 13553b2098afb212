import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import type { BrowserContext, Page } from 'playwright-core';
import { controlServerOf } from '../../../src/api/server.js';
import { freePort } from '../api/tcp.js';
import { launchChromium, requireChromium, type Browser } from './browser.js';
import { startFleet, waitState, type Fleet } from './fleet.js';

const SCREENSHOT = '/tmp/nodewarden-status.png';
/** A name the browser resolves to loopback, as a DNS-rebinding attacker's name would be. */
const REBOUND = 'rebound.nodewarden.test';

/**
 * The status page as the daemon serves it over TCP (the real control server:
 * generated token, Host and Origin guards): opened with the `?token=` that
 * `nodewarden run` prints, it must pass the token on to its EventSource.
 */
describe('status page in a real browser', () => {
  let fleet: Fleet;
  let pageUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const problems: string[] = [];

  before(async () => {
    requireChromium();
    fleet = await startFleet(['alpha', 'beta', 'gamma'], {
      control: { http: { host: '127.0.0.1', port: await freePort() } },
    });
    pageUrl = controlServerOf(fleet.daemon)!.pageUrl!;
    base = new URL(pageUrl).origin;
    browser = await launchChromium({ width: 1280, args: [`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`] });
    ({ context, page } = browser);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(String(err)));
    await waitState(fleet.daemon, ['alpha', 'beta', 'gamma'], 'running');
  });

  after(async () => {
    await browser?.close();
    await fleet?.close();
  });

  test('the page is refused without the token', async () => {
    const res = await page.request.get(`${base}/`);
    assert.equal(res.status(), 401);
  });

  test('a DNS name rebound to loopback gets no page and no stream, even with the token', async () => {
    const rebound = new URL(pageUrl);
    rebound.hostname = REBOUND;
    // A page of its own: the refusal is expected here, not a problem of the status page.
    const attacker = await context.newPage();
    try {
      const res = await attacker.goto(rebound.href);
      assert.equal(res?.status(), 421);
      assert.match((await attacker.textContent('body')) ?? '', /E_HOST_NOT_ALLOWED/);
      // The rebound page's own script: to the browser these are same-origin requests.
      const token = new URL(pageUrl).searchParams.get('token')!;
      const statuses = await attacker.evaluate<number[]>(`Promise.all([
        fetch('/api/stream?token=${token}').then((r) => r.status),
        fetch('/api/nodes/all/stop', { method: 'POST' }).then((r) => r.status),
        fetch('/api/shutdown', { method: 'POST', headers: { authorization: 'Bearer ${token}' } }).then((r) => r.status),
      ])`);
      assert.deepEqual(statuses, [421, 421, 421]);
      assert.equal(fleet.daemon.supervisor.runner('alpha')!.snapshot().state, 'running');
    } finally {
      await attacker.close();
    }
  });

  test('shows every node with its state, the host and the counts, live', async () => {
    await page.goto(pageUrl);
    for (const n of ['alpha', 'beta', 'gamma']) {
      await page.waitForSelector(`tr[data-node="${n}"][data-state="running"]`);
    }
    assert.equal(await page.locator('#nodes tbody tr').count(), 3);
    assert.equal(await page.textContent('#host'), os.hostname());
    assert.equal(await page.getAttribute('#conn', 'data-conn'), 'live');
    assert.equal(await page.textContent('#counts'), '3 running');
    const pid = fleet.daemon.supervisor.runner('alpha')!.snapshot().pid!;
    assert.equal(await page.textContent('tr[data-node="alpha"] td.pid'), String(pid));
    assert.equal(await page.textContent('tr[data-node="alpha"] td.state'), 'running');
    assert.equal(await page.textContent('tr[data-node="alpha"] td.health'), 'unknown');
    assert.match((await page.textContent('tr[data-node="alpha"] td.uptime')) ?? '', /^\d+s$/);
    await page.waitForSelector('#events li[data-type="started"]');
  });

  test("a node's version, peer id and peer count from its probes show in its row", async () => {
    // What the prober writes for a node with version, peerId and peers probes (the probe path itself
    // is covered in the health suite); the page reads it through the real status snapshot.
    fleet.daemon.observations.update('alpha', { version: 'sim/9.9.9', peerId: 'peer-alpha', peers: 1234 });
    await page.goto(pageUrl);
    await page.waitForSelector('tr[data-node="alpha"] td.version:text("sim/9.9.9")');
    assert.equal(await page.textContent('tr[data-node="alpha"] td.peers'), '1,234');
    assert.equal(await page.getAttribute('tr[data-node="alpha"] td.version', 'title'), 'peer id peer-alpha');
    assert.equal(await page.textContent('tr[data-node="beta"] td.version'), '\u2014');
    assert.equal(await page.textContent('tr[data-node="beta"] td.peers'), '\u2014');
  });

  test('a node stopped through the supervisor turns stopped without a reload', async () => {
    await page.evaluate('window.marker = 42');
    await fleet.daemon.supervisor.stop(['beta']);
    await page.waitForSelector('tr[data-node="beta"][data-state="stopped"]');
    assert.equal(await page.textContent('tr[data-node="beta"] td.state'), 'stopped');
    assert.equal(await page.textContent('tr[data-node="beta"] td.pid'), '\u2014');
    await page.waitForFunction("document.getElementById('counts').textContent === '2 running1 stopped'");
    await page.waitForSelector('#events li[data-type="stopped"]');
    // same document: nothing reloaded
    assert.equal(await page.evaluate('window.marker'), 42);
  });

  test('event details are shown as text, never parsed as HTML', async () => {
    const evil = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    fleet.daemon.bus.emit({ node: null, type: 'config_error', details: { problems: [evil] } });
    const item = await page.waitForSelector('#events li[data-type="config_error"]');
    assert.ok(((await item.textContent()) ?? '').includes('<img src=x'));
    assert.equal(await page.locator('#events img, #events b').count(), 0);
    assert.equal(await page.evaluate('window.pwned'), undefined);
  });

  test('reads well at phone width: cards, no sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // a string: the test's TypeScript has no DOM types
    const layout = await page.evaluate<{ scrollWidth: number; rowDisplay: string; theadDisplay: string }>(`({
      scrollWidth: document.documentElement.scrollWidth,
      rowDisplay: getComputedStyle(document.querySelector('#nodes tbody tr')).display,
      theadDisplay: getComputedStyle(document.querySelector('#nodes thead')).display,
    })`);
    assert.equal(layout.rowDisplay, 'grid');
    assert.equal(layout.theadDisplay, 'none');
    assert.ok(layout.scrollWidth <= 390, `page is ${layout.scrollWidth}px wide at 390px`);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(fs.statSync(SCREENSHOT).size > 0);
  });

  test('the browser saw no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
