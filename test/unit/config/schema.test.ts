import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { loadManagerConfig } from '../../../src/config/manager.js';
import { MASK } from '../../../src/config/issues.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { assertIssue, expectIssues, makeConfigDir, removeDir } from './fixture.js';

const dirs: string[] = [];
const dirWith = (files: Record<string, unknown>): string => {
  const d = makeConfigDir(files);
  dirs.push(d);
  return d;
};
after(() => dirs.forEach(removeDir));
const load = (dir: string) => loadConfig(dir, { secrets: new MemorySecrets() });

describe('nodewarden.json', () => {
  test('a missing nodewarden.json means all defaults, paths under the config dir', () => {
    const dir = dirWith({});
    const m = load(dir).manager;
    assert.equal(m.configDir, dir);
    assert.equal(m.stateDir, path.join(dir, 'state'));
    assert.equal(m.logDir, path.join(dir, 'logs'));
    assert.equal(m.templatesDir, path.join(dir, 'templates'));
    assert.deepEqual(m.log, { level: 'info', maxBytes: 20 * 1024 * 1024, backups: 5 });
    assert.deepEqual(m.control, {
      socket: path.join(dir, 'state', 'nodewarden.sock'),
      http: { host: '127.0.0.1', port: null, token: null, allowedHosts: [] },
    });
    assert.deepEqual(m.sampling, { intervalMs: 5000 });
    assert.deepEqual(m.startup, { concurrency: 8, intervalMs: 250 });
    assert.deepEqual(m.pressure, {
      enabled: false,
      memoryHighPercent: 90,
      memoryLowPercent: 80,
      cpuHighPercent: 95,
      cpuLowPercent: 80,
      samples: 3,
      diskLowPercent: 5,
      psiCpuHighPercent: 50,
      psiCpuLowPercent: 20,
      psiMemoryHighPercent: 10,
      psiMemoryLowPercent: 2,
    });
    assert.deepEqual(m.alerts, {
      on: [
        'crashed',
        'fatal',
        'out_of_sync',
        'in_sync',
        'unreachable',
        'resource_limit',
        'config_error',
        'orphan_reaped',
        'alert_failed',
        'low_disk',
        'rolled_back',
        'target_down',
        'target_up',
      ],
      throttleSeconds: 900,
      email: { from: 'nodewarden@localhost', to: [], smtp: null },
      webhooks: [],
    });
    assert.deepEqual(m.retention, { eventsDays: 90, samplesDays: 30, maxEvents: 1_000_000 });
  });

  test('relative paths resolve against the config dir; the socket follows stateDir', () => {
    const dir = dirWith({
      'nodewarden.json': { stateDir: '../var/nw', logDir: '/var/log/nw', templatesDir: 'tpl' },
    });
    const m = load(dir).manager;
    assert.equal(m.stateDir, path.resolve(dir, '../var/nw'));
    assert.equal(m.logDir, '/var/log/nw');
    assert.equal(m.templatesDir, path.join(dir, 'tpl'));
    assert.equal(m.control.socket, path.resolve(dir, '../var/nw/nodewarden.sock'));
  });

  test('settings given are taken; smtp gets a port from secure; webhooks get defaults', () => {
    const dir = dirWith({
      'nodewarden.json': {
        control: { socket: 'run/nw.sock', http: { port: 8787, token: 'abc' } },
        startup: { concurrency: 0 },
        alerts: {
          on: ['fatal'],
          email: {
            to: ['ops@example.org'],
            smtp: { host: '127.0.0.1', secure: true, auth: { user: 'u', pass: 'p' } },
          },
          webhooks: [
            { url: 'http://127.0.0.1:9/hook' },
            { url: 'https://example.org/x', headers: { A: 'b' }, timeoutMs: 500 },
          ],
        },
      },
    });
    const m = load(dir).manager;
    assert.equal(m.control.socket, path.join(dir, 'run/nw.sock'));
    assert.deepEqual(m.control.http, { host: '127.0.0.1', port: 8787, token: 'abc', allowedHosts: [] });
    assert.equal(m.startup.concurrency, 0);
    assert.deepEqual(m.alerts.on, ['fatal']);
    assert.deepEqual(m.alerts.email.smtp, {
      host: '127.0.0.1',
      port: 465,
      secure: true,
      auth: { user: 'u', pass: 'p' },
    });
    assert.deepEqual(m.alerts.webhooks, [
      { url: 'http://127.0.0.1:9/hook', headers: {}, timeoutMs: 10000 },
      { url: 'https://example.org/x', headers: { A: 'b' }, timeoutMs: 500 },
    ]);
  });

  test('"smtp": null means no SMTP (mails go to the outbox dir)', () => {
    const dir = dirWith({ 'nodewarden.json': { alerts: { email: { smtp: null } } } });
    assert.equal(load(dir).manager.alerts.email.smtp, null);
  });

  test('an unknown key is rejected, nested ones with their full path', () => {
    const dir = dirWith({
      'nodewarden.json': { stateDri: 'x', log: { levle: 'debug' }, extra: { deep: { er: 1 } } },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodewarden.json', 'stateDri', /^unknown key$/);
    assertIssue(issues, 'nodewarden.json', 'log.levle', /^unknown key$/);
    assertIssue(issues, 'nodewarden.json', 'extra', /^unknown key$/);
    assert.equal(issues.length, 3);
  });

  test('wrong types are reported with the value, a number in a string included', () => {
    const dir = dirWith({
      'nodewarden.json': {
        sampling: { intervalMs: '5000' },
        log: { level: 'loud' },
        control: { http: { port: 70000 } },
        retention: 3,
      },
    });
    const issues = expectIssues(dir);
    assert.deepEqual(
      assertIssue(issues, 'nodewarden.json', 'sampling.intervalMs', /positive integer/).value,
      '5000',
    );
    assertIssue(issues, 'nodewarden.json', 'log.level', /must be one of/);
    assert.equal(assertIssue(issues, 'nodewarden.json', 'control.http.port', /port/).value, 70000);
    assert.equal(assertIssue(issues, 'nodewarden.json', 'retention', /must be an object/).value, 3);
  });

  test('intervals must be positive integers', () => {
    const dir = dirWith({
      'nodewarden.json': { sampling: { intervalMs: 0 }, startup: { intervalMs: -250 } },
    });
    const issues = expectIssues(dir);
    assert.equal(
      assertIssue(issues, 'nodewarden.json', 'sampling.intervalMs', /must be a positive integer/).value,
      0,
    );
    assert.equal(
      assertIssue(issues, 'nodewarden.json', 'startup.intervalMs', /must be an integer >= 0/).value,
      -250,
    );
  });

  test('startup pacing can be turned off: concurrency 0 and intervalMs 0', () => {
    const { manager, issues } = loadManagerConfig(
      dirWith({ 'nodewarden.json': { startup: { concurrency: 0, intervalMs: 0 } } }),
    );
    assert.deepEqual(issues, []);
    assert.deepEqual({ ...manager.startup }, { concurrency: 0, intervalMs: 0 });
  });

  test('low pressure marks must be below the high ones; the issue names both keys', () => {
    const dir = dirWith({ 'nodewarden.json': { pressure: { memoryLowPercent: 90, cpuHighPercent: 70 } } });
    const issues = expectIssues(dir);
    const mem = assertIssue(
      issues,
      'nodewarden.json',
      'pressure.memoryLowPercent',
      /pressure\.memoryHighPercent/,
    );
    assert.equal(mem.value, 90);
    assertIssue(issues, 'nodewarden.json', 'pressure.cpuLowPercent', /pressure\.cpuHighPercent, which is 70/);
  });

  test('sensitive values are masked in issues', () => {
    const dir = dirWith({
      'nodewarden.json': {
        control: { http: { token: 12345 } },
        alerts: { email: { smtp: { host: 'h', auth: { user: 'u', pass: 42 } } } },
      },
    });
    const issues = expectIssues(dir);
    assert.equal(assertIssue(issues, 'nodewarden.json', 'control.http.token', /string/).value, MASK);
    assert.equal(assertIssue(issues, 'nodewarden.json', 'alerts.email.smtp.auth.pass', /string/).value, MASK);
  });

  test('alerts: unknown event types, bad webhooks and half an smtp block are reported per key', () => {
    const dir = dirWith({
      'nodewarden.json': {
        alerts: {
          on: ['crashed', 'explode'],
          email: { smtp: { port: 25 } },
          webhooks: [
            { url: 'ftp://x' },
            { url: 'http://127.0.0.1/', timeoutMs: 0, method: 'PUT' },
            'http://bare',
          ],
        },
      },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodewarden.json', 'alerts.on', /unknown event type "explode"/);
    assertIssue(issues, 'nodewarden.json', 'alerts.email.smtp.host', /is required when smtp is set/);
    assertIssue(issues, 'nodewarden.json', 'alerts.webhooks.0.url', /http/);
    assertIssue(issues, 'nodewarden.json', 'alerts.webhooks.1.timeoutMs', /positive integer/);
    assertIssue(issues, 'nodewarden.json', 'alerts.webhooks.1.method', /unknown key/);
    assertIssue(issues, 'nodewarden.json', 'alerts.webhooks.2', /must be an object/);
  });

  test('malformed JSON names line and column; a non-object is rejected', () => {
    let issues = expectIssues(dirWith({ 'nodewarden.json': '{\n  "stateDir": "x"\n  "logDir": "y"\n}\n' }));
    assertIssue(issues, 'nodewarden.json', '', /^invalid JSON at line 3, column 3: /);
    issues = expectIssues(dirWith({ 'nodewarden.json': '[]' }));
    assertIssue(issues, 'nodewarden.json', '', /must be a JSON object/);
  });

  test('the environment and argv never leak into the manager config', () => {
    const dir = dirWith({});
    const saved = process.argv;
    process.argv = [...saved, '--stateDir', '/evil'];
    try {
      assert.equal(load(dir).manager.stateDir, path.join(dir, 'state'));
    } finally {
      process.argv = saved;
    }
  });
});
