import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { controlServerOf } from '../../../src/api/server.js';
import { simArgs, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { freePort, tcpRequest } from '../api/tcp.js';
import { launchChromium, requireChromium, type Browser } from './browser.js';
import { waitState } from './fleet.js';

const VERBS = ['start', 'stop', 'restart', 'hold', 'release'] as const;

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

interface StatusRow {
  name: string;
  state: string;
  pid: number | null;
  held: boolean;
}

/**
 * The status page's node actions in a real browser against a real daemon
 * over loopback TCP (generated token, Host and Origin guards), with sim
 * nodes: the token asked for once and kept in sessionStorage, stop and
 * restart confirmed in a dialog, the answer shown next to the node, and
 * `nodewarden status --json` agreeing with what the page shows.
 */
describe('status page actions in a real browser', { timeout: 180_000 }, () => {
  let t: TestDaemon;
  let pageUrl: string;
  let base: string;
  let token: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let foreign: http.Server | null = null;
  const problems: string[] = [];

  const row = (n: string): string => `tr[data-node="${n}"]`;
  const button = (n: string, verb: string) => page.locator(`${row(n)} button[data-action="${verb}"]`);
  const result = (n: string) => page.locator(`${row(n)} td.actions .result`);
  const enabled = async (n: string): Promise<Record<string, boolean>> => {
    const out: Record<string, boolean> = {};
    for (const v of VERBS) out[v] = await button(n, v).isEnabled();
    return out;
  };
  /** What `nodewarden status --json` says about a node (the real CLI on the daemon's socket). */
  const cliStatus = async (n: string): Promise<StatusRow> => {
    const r = await t.cli(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const found = (JSON.parse(r.stdout) as StatusRow[]).find((s) => s.name === n);
    assert.ok(found, `${n} in status --json`);
    return found;
  };
  const snapshot = (n: string) => t.daemon.supervisor.runner(n)!.snapshot();
  /** Wait (on the page's own DOM, no eval: the page's CSP forbids it) until a node's result reads `text`. */
  const waitResult = (n: string, text: string, kind = 'ok'): Promise<void> =>
    page.locator(`${row(n)} td.actions .result.${kind}`, { hasText: exactly(text) }).waitFor();
  const waitCell = (n: string, cell: string, text: string): Promise<void> =>
    page.locator(`${row(n)} td.${cell}`, { hasText: exactly(text) }).waitFor();

  before(async () => {
    requireChromium();
    t = await startTestDaemon({
      nodes: {
        alpha: {},
        beta: {},
        // exits at once with a code that makes it fatal: a start the API answers with an error
        broken: {
          autostart: false,
          args: simArgs('--exit-at-start', '3'),
          restart: { permanentExitCodes: [3] },
        },
      },
      template: { args: simArgs(), stop: { graceMs: 2000 } },
      manager: { control: { http: { host: '127.0.0.1', port: await freePort() } } },
    });
    pageUrl = controlServerOf(t.daemon)!.pageUrl!;
    base = new URL(pageUrl).origin;
    token = new URL(pageUrl).searchParams.get('token')!;
    browser = await launchChromium({ width: 1400 });
    ({ context, page } = browser);
    page.on('console', (m) => {
      // the refusals the tests provoke on purpose are logged by the browser too
      if (m.type() === 'error' && !/status of 401 \(Unauthorized\)/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(String(err)));
    await waitState(t.daemon, ['alpha', 'beta'], 'running');
    await page.goto(pageUrl);
    for (const n of ['alpha', 'beta']) await page.waitForSelector(`${row(n)}[data-state="running"]`);
    await page.waitForSelector(`${row('broken')}[data-state="stopped"]`);
  });

  after(async () => {
    await browser?.close();
    if (foreign) await new Promise((r) => foreign!.close(r));
    await t?.close();
  });

  test('without a token every action button is disabled and the page asks for the token', async () => {
    assert.ok(await page.locator('#token-form').isVisible());
    assert.ok(await page.locator('#token-set').isHidden());
    for (const n of ['alpha', 'beta', 'broken']) {
      assert.deepEqual(await enabled(n), {
        start: false,
        stop: false,
        restart: false,
        hold: false,
        release: false,
      });
    }
    assert.equal(await button('alpha', 'stop').getAttribute('title'), 'enter the control token first');
  });

  test('a wrong token is refused with a clear message, is not kept, and changes nothing', async () => {
    const pid = snapshot('alpha').pid;
    await page.fill('#token-input', 'not-the-token-of-this-daemon');
    await page.click('#token-form button[type="submit"]');
    await page.locator('#token-msg.err').waitFor();
    assert.match((await page.textContent('#token-msg')) ?? '', /^Wrong token: .*\(401\)/);
    assert.equal(await page.evaluate(`sessionStorage.getItem('nodewarden.token')`), null);
    assert.ok(await page.locator('#token-form').isVisible());
    assert.equal(await button('alpha', 'stop').isEnabled(), false);
    assert.equal(snapshot('alpha').state, 'running');
    assert.equal(snapshot('alpha').pid, pid);
  });

  test('a token that stops working is refused at the first action: said next to the node and above, then forgotten', async () => {
    // as after the daemon's token was changed: the tab still holds the old one
    await page.evaluate(
      `sessionStorage.setItem('nodewarden.token', 'an-old-token-the-daemon-no-longer-has')`,
    );
    await page.reload();
    await page.waitForSelector(`${row('alpha')}[data-state="running"]`);
    assert.ok(await button('alpha', 'hold').isEnabled());
    await button('alpha', 'hold').click();
    await waitResult('alpha', 'wrong token (401): nothing was done', 'err');
    assert.match((await page.textContent('#token-msg')) ?? '', /refused \(401 wrong bearer token/);
    assert.equal(await page.evaluate(`sessionStorage.getItem('nodewarden.token')`), null);
    assert.ok(await page.locator('#token-form').isVisible());
    assert.equal(await button('alpha', 'hold').isEnabled(), false);
    assert.equal(snapshot('alpha').held, false);
    assert.equal((await cliStatus('alpha')).held, false);
  });

  test('a POST without the token, from the page itself or a form of another site, is refused', async () => {
    const pid = snapshot('alpha').pid;
    // the page's own context: same origin, but no Authorization header
    const statuses = await page.evaluate<number[]>(`Promise.all([
      fetch('api/nodes/alpha/stop', { method: 'POST' }).then((r) => r.status),
      fetch('api/nodes/alpha/stop', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.status),
      fetch('api/nodes/alpha/hold', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }).then((r) => r.status),
      fetch('api/nodes/alpha/stop?token=${token}', { method: 'POST' }).then((r) => r.status),
    ])`);
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    // a blind form post from a page on another loopback port (another origin), as a hostile site would send it
    foreign = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<form method="POST" action="${base}/api/nodes/alpha/stop" enctype="text/plain"><input name="wait" value="true"></form>`,
      );
    });
    await new Promise<void>((r) => foreign!.listen(0, '127.0.0.1', r));
    const attacker = await context.newPage();
    try {
      await attacker.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      const [res] = await Promise.all([
        attacker.waitForNavigation(),
        attacker.evaluate(`document.forms[0].submit()`),
      ]);
      assert.equal(res?.status(), 403);
      assert.match((await attacker.textContent('body')) ?? '', /E_ORIGIN_NOT_ALLOWED/);
    } finally {
      await attacker.close();
    }
    assert.equal(snapshot('alpha').state, 'running');
    assert.equal(snapshot('alpha').held, false);
    assert.equal(snapshot('alpha').pid, pid);
    assert.deepEqual(await context.cookies(), []);
  });

  test('the right token unlocks the actions for this tab: in sessionStorage, not a cookie, not localStorage, not the URL', async () => {
    const before = page.url();
    await page.fill('#token-input', token);
    await page.press('#token-input', 'Enter');
    await page.waitForSelector('#token-set:not([hidden])');
    assert.ok(await page.locator('#token-form').isHidden());
    assert.equal(await page.inputValue('#token-input'), '');
    assert.equal(await page.textContent('#token-msg'), '');
    assert.equal(await page.evaluate(`sessionStorage.getItem('nodewarden.token')`), token);
    assert.equal(await page.evaluate('localStorage.length'), 0);
    assert.equal(await page.evaluate('document.cookie'), '');
    assert.deepEqual(await context.cookies(), []);
    assert.equal(page.url(), before);
    // buttons follow the state: a running node can be stopped, not started; release only when held
    assert.deepEqual(await enabled('alpha'), {
      start: false,
      stop: true,
      restart: true,
      hold: true,
      release: false,
    });
    assert.deepEqual(await enabled('broken'), {
      start: true,
      stop: false,
      restart: false,
      hold: true,
      release: false,
    });
  });

  test('stop asks in a dialog naming the node: cancel (button or Escape) leaves it running', async () => {
    const pid = snapshot('alpha').pid;
    const shown = await result('alpha').textContent();
    await button('alpha', 'stop').click();
    await page.waitForSelector('#confirm[open]');
    assert.equal(await page.textContent('#confirm-title'), 'Stop alpha?');
    assert.equal(await page.textContent('#confirm-ok'), 'Stop alpha');
    await page.click('#confirm-cancel');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
    await button('alpha', 'stop').click();
    await page.waitForSelector('#confirm[open]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
    assert.equal(await result('alpha').textContent(), shown, 'no request was made');
    assert.equal(snapshot('alpha').state, 'running');
    assert.equal(snapshot('alpha').pid, pid);
    const cli = await cliStatus('alpha');
    assert.equal(cli.state, 'running');
    assert.equal(cli.pid, pid);
  });

  test('confirmed, stop stops the node: the page shows it stopped and status --json agrees', async () => {
    await button('alpha', 'stop').click();
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector(`${row('alpha')}[data-state="stopped"]`);
    await waitResult('alpha', 'stopped');
    assert.equal(await page.textContent(`${row('alpha')} td.pid`), '\u2014');
    const cli = await cliStatus('alpha');
    assert.equal(cli.state, 'stopped');
    assert.equal(cli.pid, null);
    assert.equal(snapshot('beta').state, 'running', 'only alpha was stopped');
    assert.deepEqual(await enabled('alpha'), {
      start: true,
      stop: false,
      restart: false,
      hold: true,
      release: false,
    });
  });

  test('start starts it again, without a confirmation', async () => {
    await button('alpha', 'start').click();
    await waitResult('alpha', 'started');
    await page.waitForSelector(`${row('alpha')}[data-state="running"]`);
    assert.equal(await page.locator('#confirm[open]').count(), 0);
    const cli = await cliStatus('alpha');
    assert.equal(cli.state, 'running');
    await waitCell('alpha', 'pid', String(cli.pid));
  });

  test('restart is confirmed too and gives the node a new process', async () => {
    const old = snapshot('alpha').pid!;
    assert.equal(await page.textContent(`${row('alpha')} td.pid`), String(old));
    await button('alpha', 'restart').click();
    await page.waitForSelector('#confirm[open]');
    assert.equal(await page.textContent('#confirm-title'), 'Restart alpha?');
    await page.click('#confirm-ok');
    await waitResult('alpha', 'restarted');
    const cli = await cliStatus('alpha');
    assert.equal(cli.state, 'running');
    assert.notEqual(cli.pid, old);
    await waitCell('alpha', 'pid', String(cli.pid));
    assert.equal(await page.getAttribute(row('alpha'), 'data-state'), 'running');
  });

  test('hold and release: the page shows held, only the fitting button is enabled, status --json agrees', async () => {
    await button('beta', 'hold').click();
    await waitResult('beta', 'held');
    await waitCell('beta', 'held', 'held');
    assert.deepEqual(await enabled('beta'), {
      start: false,
      stop: true,
      restart: true,
      hold: false,
      release: true,
    });
    assert.equal((await cliStatus('beta')).held, true);

    await button('beta', 'release').click();
    await waitResult('beta', 'released');
    await waitCell('beta', 'held', '\u2014');
    assert.deepEqual(await enabled('beta'), {
      start: false,
      stop: true,
      restart: true,
      hold: true,
      release: false,
    });
    assert.equal((await cliStatus('beta')).held, false);
  });

  test('an error the API answers shows next to the node', async () => {
    await button('broken', 'start').click();
    await waitResult('broken', 'ERROR (fatal while waiting for running)', 'err');
    await page.waitForSelector(`${row('broken')}[data-state="fatal"]`);
    assert.equal((await cliStatus('broken')).state, 'fatal');
  });

  test('forgetting the token locks the actions again', async () => {
    await page.click('#token-forget');
    await page.waitForSelector('#token-form:not([hidden])');
    assert.equal(await page.evaluate(`sessionStorage.getItem('nodewarden.token')`), null);
    assert.equal(await button('alpha', 'stop').isEnabled(), false);
  });

  test('the browser saw no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});

/** Content types over TCP: with the token, a body that is not JSON is refused before any handler acts. */
describe('action routes and content types over TCP', { timeout: 60_000 }, () => {
  let t: TestDaemon;
  let port: number;
  let token: string;

  before(async () => {
    port = await freePort();
    t = await startTestDaemon({
      nodes: { a: {} },
      manager: { control: { http: { host: '127.0.0.1', port } } },
    });
    await t.waitRunning();
    token = new URL(controlServerOf(t.daemon)!.pageUrl!).searchParams.get('token')!;
  });
  after(async () => {
    await t?.close();
  });

  const raw = (verb: string, contentType: string, body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/nodes/a/${verb}`,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': contentType,
            'content-length': Buffer.byteLength(body),
            connection: 'close',
          },
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  test('form and plain-text bodies are refused even with the token; nothing is held', async () => {
    const form = await raw('hold', 'application/x-www-form-urlencoded', 'wait=true');
    assert.equal(form.status, 415, form.text);
    const plain = await raw('hold', 'text/plain', '{"wait":true}');
    assert.equal(plain.status, 400, plain.text);
    const multi = await raw('hold', 'multipart/form-data; boundary=x', '--x--');
    assert.equal(multi.status, 415, multi.text);
    assert.equal(t.daemon.supervisor.runner('a')!.snapshot().held, false);
  });

  test('POST /api/nodes/:name/hold and /release with the bearer token answer per node', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const hold = await tcpRequest(port, {
      method: 'POST',
      path: '/api/nodes/a/hold',
      headers: auth,
      body: { wait: true },
    });
    assert.equal(hold.status, 200, hold.text);
    assert.deepEqual(hold.json['results'], [{ node: 'a', ok: true, message: 'held' }]);
    assert.equal(t.daemon.supervisor.runner('a')!.snapshot().held, true);
    const release = await tcpRequest(port, { method: 'POST', path: '/api/nodes/a/release', headers: auth });
    assert.equal(release.status, 200, release.text);
    assert.deepEqual(release.json['results'], [{ node: 'a', ok: true, message: 'released' }]);
    assert.equal(t.daemon.supervisor.runner('a')!.snapshot().held, false);
    const none = await tcpRequest(port, { method: 'POST', path: '/api/nodes/nope/hold', headers: auth });
    assert.equal(none.status, 404);
    assert.equal(none.json.error?.code, 'E_NODE_NOT_FOUND');
  });
});
