import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { countStamps } from '../child.js';
import type { Launched, Manager, Workload } from '../managers/types.js';
import { summarize, type Summary } from '../stats.js';
import { waitFor } from '../time.js';

const CHROMIUM = '/usr/bin/chromium';

/** Scenario 5c. */
export interface PagePaintResult {
  na?: string;
  nodes?: number;
  /** Bytes of the page (`GET /`), scripts and styles included. */
  pageBytes?: number;
  /** Navigation → first contentful paint. */
  firstPaint?: Summary;
  /** Navigation → every node's row in the table. */
  tableFilled?: Summary;
  /** Navigation → the history sparklines of every row on screen drawn. */
  chartsOnScreen?: Summary;
  errors: string[];
}

/**
 * The status page with N nodes in headless Chromium (the Debian package):
 * `loads` fresh page loads, each timed from navigation to its first paint,
 * to the table holding every node, and to the history charts of the rows
 * on screen. The page is reached through a loopback proxy to the control
 * socket, so the manager's own config is the one of the other scenarios.
 */
export async function runPagePaint(
  mgr: Manager,
  w: Workload,
  loads: number,
  log: (msg: string) => void,
): Promise<PagePaintResult> {
  const res: PagePaintResult = { errors: [] };
  if (!fs.existsSync(CHROMIUM)) {
    res.na = `n/a (no ${CHROMIUM})`;
    log(`  status page: ${res.na}`);
    return res;
  }
  const sock = path.join(w.dir, 'state', 'nodewarden.sock');
  let launched: Launched | null = null;
  let proxy: http.Server | null = null;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nwbench-chromium-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | null = null;
  try {
    launched = await mgr.launch(w);
    const l = launched;
    await waitFor(
      `${w.sleepers} nodes started`,
      () => (l.assertRunning(), countStamps(w.stampDir, 'start') >= w.sleepers),
      {
        timeoutMs: 120_000,
      },
    );
    await waitFor('the control socket', () => fs.existsSync(sock), { timeoutMs: 10_000 });
    proxy = await socketProxy(sock);
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
    res.pageBytes = Buffer.byteLength(await (await fetch(url)).text());
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const fcp: number[] = [];
    const filled: number[] = [];
    const charts: number[] = [];
    for (let i = 0; i < loads; i++) {
      await page.goto('about:blank');
      await page.goto(url);
      // polled from here (the page's CSP allows no evaluated predicate); each answer carries the page's own clock
      const tableAt = await pollPage(
        page,
        `document.querySelectorAll('#nodes tbody tr').length >= ${w.sleepers} ? performance.now() : null`,
      );
      // rows on screen: every one of them has its CPU sparkline
      const chartsAt = await pollPage(
        page,
        `Array.from(document.querySelectorAll('#nodes tbody tr')).filter((tr) => { const r = tr.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }).every((tr) => tr.querySelector('svg.c-cpu')) ? performance.now() : null`,
      );
      const paint = await page.evaluate<number | null>(
        "(performance.getEntriesByName('first-contentful-paint')[0] || { startTime: null }).startTime",
      );
      if (paint !== null) fcp.push(paint);
      filled.push(tableAt);
      charts.push(chartsAt);
      if (i === 0) res.nodes = await page.locator('#nodes tbody tr').count();
    }
    res.firstPaint = summarize(fcp);
    res.tableFilled = summarize(filled);
    res.chartsOnScreen = summarize(charts);
    log(
      `  status page, ${res.nodes} nodes (${Math.round(res.pageBytes / 1024)} KiB): first paint p50 ${res.firstPaint.p50.toFixed(0)} ms, ` +
        `table filled p50 ${res.tableFilled.p50.toFixed(0)} ms, charts on screen p50 ${res.chartsOnScreen.p50.toFixed(0)} ms over ${loads} loads`,
    );
  } catch (err) {
    res.errors.push(err instanceof Error ? err.message : String(err));
    log(`  status page FAILED: ${String(err).split('\n')[0]}`);
  } finally {
    await context?.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
    await launched?.dispose();
  }
  return res;
}

/** A loopback HTTP server that forwards every request to the control socket (which needs no token). */
async function socketProxy(socketPath: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const up = http.request(
      { socketPath, path: req.url, method: req.method, headers: { ...req.headers, host: 'localhost' } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** Evaluate `expr` in the page every 10 ms until it gives a number (bounded by a minute). */
async function pollPage(page: { evaluate<T>(expr: string): Promise<T> }, expr: string): Promise<number> {
  const v = await waitFor('the page', () => page.evaluate<number | null>(expr), {
    timeoutMs: 60_000,
    intervalMs: 10,
  });
  return v as number;
}
