/**
 * The status page's history in a real browser, against a real daemon (over
 * TCP, with its token) sampling simulated nodes every 100 ms: one steady,
 * one crashing over and over, one whose height stalls (restarted out of
 * sync) and one that starts far behind and catches up. The charts are drawn
 * from what the daemon recorded, hovering shows the recorded values, the
 * page has no sideways scroll at phone width, and the run writes the
 * README's screenshot (docs/status-history.png).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { controlServerOf } from '../../../src/api/server.js';
import type { RawSample } from '../../../src/store/types.js';
import { startTestDaemon, tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { freePort } from '../api/tcp.js';
import { simNode, TEMPLATE, writeChainFile } from '../health/support.js';
import { launchChromium, requireChromium, type Browser } from './browser.js';

const SCREENSHOT = fileURLToPath(new URL('../../../../docs/status-history.png', import.meta.url));
const NODES = ['steady', 'crashy', 'stalled', 'catching'];

/** Hover `selector` at a fraction of its width and height (it may be redrawn meanwhile: measured again until it holds still). */
async function hoverAt(page: Page, selector: string, fx: number, fy: number): Promise<void> {
  const box = await waitUntil(() => page.locator(selector).boundingBox(), `${selector} on screen`);
  await page.locator(selector).hover({ position: { x: box.width * fx, y: box.height * fy } });
}

describe('status page history in a real browser', { timeout: 180_000 }, () => {
  let t: TestDaemon;
  let chainDir: string;
  let browser: Browser;
  let page: Page;
  let pageUrl: string;
  const problems: string[] = [];

  const raw = (node: string): RawSample[] =>
    t.daemon.store.querySamples({ node, sinceMs: 0, resolution: 'raw' }) as RawSample[];

  before(async () => {
    requireChromium();
    chainDir = tmpDir();
    // the tip is 50 blocks up at the start and grows 5 a second
    const chain = writeChainFile(chainDir, 10_000);
    const ports = await Promise.all(NODES.map(() => freePort()));
    t = await startTestDaemon({
      manager: {
        sampling: { intervalMs: 100 },
        control: { http: { host: '127.0.0.1', port: await freePort() } },
      },
      template: { ...TEMPLATE, restart: { ...TEMPLATE.restart, stableSeconds: 1 } },
      nodes: {
        steady: simNode(chain, ports[0]!, 'http'),
        crashy: simNode(chain, ports[1]!, 'http', ['--crash-after', '1500']),
        stalled: simNode(chain, ports[2]!, 'http', ['--stall-after', '1500']),
        // from height 0 at 15 a second: level with the tip after about five seconds
        catching: simNode(chain, ports[3]!, 'http', ['--catch-up-from', '0', '--catch-up-rate', '3']),
      },
    });
    pageUrl = controlServerOf(t.daemon)!.pageUrl!;
    // what the charts must show: crashes, a stall restarted out of sync, a lag that closed
    await waitUntil(
      () => t.daemon.store.queryEvents({ node: 'crashy', type: 'crashed' }).length >= 2,
      'two crashes of crashy',
      60_000,
    );
    await waitUntil(
      () => t.daemon.store.queryEvents({ node: 'stalled', type: 'restarting' }).length >= 1,
      'stalled restarted (out of sync)',
      60_000,
    );
    await waitUntil(
      () => {
        const s = raw('catching');
        const behind = s.findIndex((x) => (x.lag ?? 0) >= 10);
        return behind >= 0 && s.slice(behind).some((x) => x.lag === 0);
      },
      'catching fell behind by 10 blocks and caught up',
      60_000,
    );
    browser = await launchChromium({ width: 1280 });
    page = browser.page;
    // a loaded machine (other browsers, other daemons) may take its time: a failure bound only
    page.setDefaultTimeout(60_000);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(String(err)));
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
  });

  test('every row draws height against the reference, CPU, memory and its state band from the records', async () => {
    await page.goto(pageUrl);
    for (const n of NODES) {
      await page.waitForSelector(`tr[data-node="${n}"] td.history svg.c-height path.s-height`);
      for (const c of ['c-cpu', 'c-rss', 'band']) {
        assert.equal(await page.locator(`tr[data-node="${n}"] td.history svg.${c}`).count(), 1, `${n} ${c}`);
      }
    }
    // the lag of the stalled and the catching node is shaded between height and reference
    for (const n of ['stalled', 'catching']) {
      const d = await page.getAttribute(`tr[data-node="${n}"] td.history svg.c-height path.lag-area`, 'd');
      assert.ok(d && d.length > 20, `${n}: lag area ${d}`);
    }
    // restarts as ticks on the state band, one per recorded restart at least two for crashy
    await page.waitForSelector('tr[data-node="crashy"] td.history svg.band line.tick', { state: 'attached' });
    assert.ok((await page.locator('tr[data-node="crashy"] svg.band line.tick').count()) >= 2);
    assert.ok(
      (await page.locator('tr[data-node="crashy"] svg.band rect.seg[data-state="running"]').count()) >= 2,
    );
    assert.equal(await page.locator('tr[data-node="steady"] svg.band line.tick').count(), 0);
    assert.deepEqual(problems, []);
  });

  test('hovering a chart shows the time and the recorded values', async () => {
    await page.click('tr[data-node="catching"] td.name a');
    await page.waitForSelector('#detail:not([hidden]) svg.big.c-height path.s-height');
    assert.equal(await page.textContent('#detail-name'), 'catching');
    await hoverAt(page, '#detail svg.big.c-height', 0.2, 0.5);
    await page.waitForFunction("document.getElementById('tip').getAttribute('data-for') === 'height'");
    const text = (await page.textContent('#tip'))!;
    const m = /^(\d\d:\d\d:\d\d) · height ([\d,]+) · reference ([\d,]+) · lag ([\d,]+)$/.exec(text);
    assert.ok(m, text);
    const [height, reference, lag] = [m[2], m[3], m[4]].map((v) => Number(v!.replace(/,/g, '')));
    assert.equal(reference! - height!, lag);
    const recorded = raw('catching').filter((s) => s.height === height && s.height! + s.lag! === reference);
    assert.ok(recorded.length >= 1, `${text}: a stored sample has these values`);
    // the time shown is that sample's (the page shows local time; the browser runs in this process's zone)
    const shown = recorded.map((s) => new Date(s.ts).toLocaleTimeString('en-GB', { hour12: false }));
    assert.ok(shown.includes(m[1]!), `${m[1]} among ${shown.join(', ')}`);

    // the CPU chart: a recorded CPU figure
    await hoverAt(page, '#detail svg.big.c-cpu', 0.3, 0.5);
    await page.waitForFunction("document.getElementById('tip').getAttribute('data-for') === 'cpu'");
    const cpuText = (await page.textContent('#tip'))!;
    const c = /^\d\d:\d\d:\d\d · CPU (\d+\.\d)%$/.exec(cpuText);
    assert.ok(c, cpuText);
    assert.ok(
      raw('catching').some((s) => s.cpuPercent !== null && s.cpuPercent.toFixed(1) === c[1]),
      `${cpuText}: a stored CPU figure`,
    );

    // the state band: a state with its span
    await hoverAt(page, '#detail svg.band', 0.99, 0.5);
    await page.waitForFunction("document.getElementById('tip').getAttribute('data-for') === 'state'");
    assert.match((await page.textContent('#tip'))!, /^running \d\d:\d\d:\d\d – \d\d:\d\d:\d\d/);

    // the node view lists the node's events and its last log lines
    await page.waitForSelector('#detail-events li[data-type="started"]');
    await page.waitForFunction("document.getElementById('detail-logs').textContent.length > 0");
  });

  test('the fleet view: uptime bars for 24 h, 7 d and 30 d, sortable, and nodes by state over time', async () => {
    await page.waitForSelector('#uptime tbody tr[data-node="crashy"] td.up-24h svg.upbar');
    assert.equal(await page.locator('#uptime tbody tr').count(), NODES.length);
    assert.ok((await page.locator('#fleet-states svg.counts-chart rect').count()) >= 1);
    // sort by 24 h uptime, worst first: what the API says is worst comes first
    await page.click('#uptime th button[data-sort="24h"]');
    assert.equal(await page.getAttribute('#uptime th button[data-sort="24h"]', 'aria-sort'), 'ascending');
    const order = await page
      .locator('#uptime tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-node')));
    const shown = await page.locator('#uptime tbody td.up-24h .pct').allTextContents();
    const values = shown.map((s) => Number(s.replace('%', '')));
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      values,
      `${order.join(', ')}: ${shown.join(', ')}`,
    );
    await page.click('#uptime th button[data-sort="24h"]');
    assert.equal(await page.getAttribute('#uptime th button[data-sort="24h"]', 'aria-sort'), 'descending');
    // hover on the counts chart: how many nodes in which state
    await hoverAt(page, '#fleet-states svg', 0.99, 0.9);
    await page.waitForFunction("document.getElementById('tip').getAttribute('data-for') === 'counts'");
    assert.match(
      (await page.textContent('#tip'))!,
      /^\d\d:\d\d:\d\d · \d+ (running|starting|backoff|stopping)/,
    );
  });

  test('live: a new sample arrives over the stream and extends the row charts', async () => {
    // rows are redrawn while on screen (and not under the pointer)
    await page.locator('#nodes tr[data-node="steady"]').scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    const before = await page.getAttribute('tr[data-node="steady"] svg.c-cpu path.s-cpu', 'd');
    await waitUntil(
      async () => (await page.getAttribute('tr[data-node="steady"] svg.c-cpu path.s-cpu', 'd')) !== before,
      'the CPU sparkline of steady to change',
      30_000,
    );
  });

  test('at phone width nothing scrolls sideways, and the screenshot is written', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const hash of ['', '#node=stalled']) {
      await page.evaluate(`location.hash = '${hash}'`);
      if (hash) await page.waitForSelector('#detail:not([hidden]) svg.big.c-height');
      const widths = await page.evaluate<{ scroll: number; client: number }>(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      );
      assert.ok(widths.scroll <= widths.client, `${hash || 'main'}: ${widths.scroll} > ${widths.client}`);
    }
    // the README's picture: the rows and the node view of the catching node, one screen
    await page.setViewportSize({ width: 1100, height: 1000 });
    await page.evaluate(`location.hash = '#node=catching'`);
    await page.waitForSelector('#detail:not([hidden]) svg.big.c-height path.s-height');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.mouse.move(0, 0);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    const size = fs.statSync(SCREENSHOT).size;
    assert.ok(size > 10_000 && size < 400_000, `${size} bytes`);
    assert.deepEqual(problems, []);
  });
});
