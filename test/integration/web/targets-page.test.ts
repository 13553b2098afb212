import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { controlServerOf } from '../../../src/api/server.js';
import { simArgs, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { freePort } from '../api/tcp.js';
import { startEndpoints, type Endpoints } from '../targets/endpoints.js';
import { launchChromium, requireChromium, type Browser } from './browser.js';

/** A target probing `url` for its height every 200 ms, down after two failures. */
const target = (url: string) => ({
  intervalMs: 200,
  timeoutMs: 2000,
  downAfter: 2,
  probes: { height: { type: 'http', url, path: 'height' } },
});

/**
 * Watch-only targets on the status page: a table of their own after the
 * nodes, state / height / latency / last error as `status` has them, kept
 * live by the stream like node rows, and no action buttons.
 */
describe('status page: watch-only targets', () => {
  let ep: Endpoints;
  let t: TestDaemon;
  let browser: Browser;
  let page: Page;
  let pageUrl: string;
  const problems: string[] = [];
  const stateOf = (name: string): string | undefined =>
    t.daemon.targetStatus().find((r) => r.name === name)?.state;

  before(async () => {
    requireChromium();
    ep = await startEndpoints(4321);
    ep.set('gone', false); // never answers
    t = await startTestDaemon({
      nodes: { alpha: {} },
      template: { args: simArgs(), stop: { graceMs: 2000 } },
      manager: { control: { http: { host: '127.0.0.1', port: await freePort() } } },
      targets: { web: target(ep.url('web')), gone: target(ep.url('gone')) },
    });
    pageUrl = controlServerOf(t.daemon)!.pageUrl!;
    browser = await launchChromium({ width: 1280 });
    page = browser.page;
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(String(err)));
    await t.waitRunning();
    await waitUntil(() => stateOf('web') === 'up' && stateOf('gone') === 'down', 'web up, gone down', 20_000);
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await ep?.close();
  });

  test('each target has a row after the nodes: state, height, latency, last error, no buttons', async () => {
    await page.goto(pageUrl);
    await page.waitForSelector('tr[data-node="alpha"]');
    await page.waitForSelector('#targets tr[data-target="web"][data-state="up"]');
    await page.waitForSelector('#targets tr[data-target="gone"][data-state="down"]');
    assert.equal(await page.isVisible('#targets-section'), true);
    assert.equal(await page.locator('#nodes tbody tr').count(), 1, 'targets are not node rows');
    assert.equal(await page.locator('#targets tbody tr').count(), 2);
    assert.equal(await page.textContent('tr[data-target="web"] td.name'), 'web');
    assert.equal(await page.textContent('tr[data-target="web"] td.state'), 'up');
    assert.equal(await page.textContent('tr[data-target="web"] td.height'), '4,321');
    assert.match(
      (await page.textContent('tr[data-target="web"] td.latency')) ?? '',
      /^\d+ ms$|^\d+\.\d\d s$/,
    );
    assert.equal(await page.textContent('tr[data-target="web"] td.error'), '\u2014');
    assert.equal(await page.textContent('tr[data-target="gone"] td.state'), 'down');
    assert.equal(await page.textContent('tr[data-target="gone"] td.height'), '\u2014');
    assert.match((await page.textContent('tr[data-target="gone"] td.error')) ?? '', /HTTP 503/);
    assert.equal(await page.textContent('#target-total'), '(1/2 up)');
    assert.equal(await page.locator('#targets button').count(), 0, 'no action buttons for targets');
    // the section comes after the nodes' table
    const order = await page.evaluate<boolean>(
      "!!(document.getElementById('nodes').compareDocumentPosition(document.getElementById('targets')) & Node.DOCUMENT_POSITION_FOLLOWING)",
    );
    assert.ok(order);
  });

  test('a target going down and coming back turns its row without a reload', async () => {
    await page.evaluate('window.marker = 7');
    ep.set('web', false);
    await page.waitForSelector('#targets tr[data-target="web"][data-state="down"]', { timeout: 20_000 });
    assert.match((await page.textContent('tr[data-target="web"] td.error')) ?? '', /HTTP 503/);
    await page.waitForFunction("document.getElementById('target-total').textContent === '(0/2 up)'");
    ep.set('web', true);
    await page.waitForSelector('#targets tr[data-target="web"][data-state="up"]', { timeout: 20_000 });
    assert.equal(await page.evaluate('window.marker'), 7);
  });

  test('phone width: target rows are cards, no sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const layout = await page.evaluate<{ scrollWidth: number; rowDisplay: string }>(`({
      scrollWidth: document.documentElement.scrollWidth,
      rowDisplay: getComputedStyle(document.querySelector('#targets tbody tr')).display,
    })`);
    assert.equal(layout.rowDisplay, 'grid');
    assert.ok(layout.scrollWidth <= 390, `page is ${layout.scrollWidth}px wide at 390px`);
  });

  test('the browser saw no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
