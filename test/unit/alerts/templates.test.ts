import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../../src/logger.js';
import { buildContext, type ContextSources } from '../../../src/alerts/context.js';
import { TemplateSet } from '../../../src/alerts/templates.js';
import type { EventType } from '../../../src/events/types.js';

/** The shipped templates (repo root `templates/`). */
const SHIPPED = fileURLToPath(new URL('../../../../templates/', import.meta.url));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function templatesDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, error: (m) => void errors.push(m), warn() {}, info() {}, debug() {} };
}

const SOURCES: ContextSources = {
  facts: () => ({ state: 'backoff', pid: 4242, restarts: 3, exitCode: 3, exitSignal: null, held: false }),
  observe: () => ({ health: 'syncing', height: 1200, lag: 4, referenceHeight: 1204 }),
  recent: () => [],
  logTail: async () => ['booting <chain>', 'fatal: disk & db'],
};

function context(
  type: EventType | 'test',
  node: string | null = 'ant-1',
  details: Record<string, unknown> = { code: 3, signal: null, uptimeMs: 1500 },
) {
  return buildContext(
    {
      event: { ts: Date.UTC(2024, 0, 1), node, type, severity: 'warning', reason: null, details },
      condition: type,
      resolved: false,
      suppressed: 0,
      suppressedSince: null,
    },
    SOURCES,
  );
}

describe('alert templates', () => {
  test('<type>.* wins over default.*, default.* over the built-in ones, part by part', async () => {
    const dir = templatesDir({
      'crashed.subject.hbs': 'CRASH {{event.node}}',
      'default.subject.hbs': 'DEFAULT {{event.type}}',
      'default.text.hbs': 'default text for {{event.node}}',
    });
    const t = new TemplateSet(dir, recordingLogger());
    const crashed = t.render('crashed', await context('crashed'));
    assert.equal(crashed.subject, 'CRASH ant-1');
    assert.equal(crashed.text, 'default text for ant-1');
    assert.match(crashed.html, /<b>ant-1: crashed<\/b>/, 'no html template anywhere: the built-in one');
    assert.equal(t.render('fatal', await context('fatal')).subject, 'DEFAULT fatal');
    assert.deepEqual(crashed.problems, []);
  });

  test('a syntax error falls back to the default, is logged and counted', async () => {
    const log = recordingLogger();
    const dir = templatesDir({
      'crashed.text.hbs': '{{#if event.node}oops',
      'default.text.hbs': 'fallback for {{event.node}}',
    });
    const t = new TemplateSet(dir, log);
    const m = t.render('crashed', await context('crashed'));
    assert.equal(m.text, 'fallback for ant-1');
    assert.equal(m.problems.length, 1);
    assert.match(m.problems[0]!, /crashed\.text\.hbs: Parse error/);
    assert.equal(t.errors, 1);
    assert.match(log.errors[0]!, /template failed, used the fallback: .*crashed\.text\.hbs/);
  });

  test('a render error (unknown variable, strict mode) falls back too; a broken default falls back to the built-in', async () => {
    const dir = templatesDir({
      'crashed.subject.hbs': '{{event.nosuchkey}}',
      'default.subject.hbs': '{{#each nosuchlist}}x{{/each}}{{missing.deeper}}',
    });
    const t = new TemplateSet(dir, recordingLogger());
    const m = t.render('crashed', await context('crashed'));
    assert.equal(m.subject, `[nodewarden] ant-1: crashed on ${os.hostname()}`);
    assert.equal(m.problems.length, 2);
    assert.equal(t.errors, 2);
  });

  test('a missing templates directory means the built-in templates, never a lost alert', async () => {
    const t = new TemplateSet('/nonexistent/nw-templates', recordingLogger());
    const m = t.render('crashed', await context('crashed'));
    assert.match(m.subject, /ant-1: crashed/);
    assert.match(m.text, /"code": 3/);
  });

  test('partials come from partials/; HTML parts are escaped (partials too), text parts are not', async () => {
    const dir = templatesDir({
      'partials/tail.hbs': '{{#each node.logTail}}[{{this}}]{{/each}}',
      'crashed.text.hbs': 'log: {{> tail}}',
      'crashed.html.hbs': '<p>{{> tail}}</p>',
    });
    const t = new TemplateSet(dir, recordingLogger());
    const ctx = await context('crashed');
    // Render text first: a partial compiled for text must not leak unescaped into HTML.
    const m = t.render('crashed', ctx);
    assert.equal(m.text, 'log: [booting <chain>][fatal: disk & db]');
    assert.equal(m.html, '<p>[booting &lt;chain&gt;][fatal: disk &amp; db]</p>');
  });

  test('a subject is one line', async () => {
    const dir = templatesDir({ 'default.subject.hbs': 'line one\n  line two\n' });
    const t = new TemplateSet(dir, recordingLogger());
    assert.equal(t.render('crashed', await context('crashed')).subject, 'line one line two');
  });

  test('every shipped template renders without a problem, for node and manager-wide events', async () => {
    const t = new TemplateSet(SHIPPED, recordingLogger());
    const types = t
      .names()
      .filter((n) => n.endsWith('.subject'))
      .map((n) => n.split('.')[0]!);
    for (const type of [
      'crashed',
      'fatal',
      'out_of_sync',
      'in_sync',
      'unreachable',
      'resource_limit',
      'paused',
      'resumed',
      'adopted',
      'orphan_reaped',
      'config_error',
      'low_disk',
      'upgraded',
      'rolled_back',
      'target_down',
      'target_up',
      'default',
    ])
      assert.ok(types.includes(type), `templates/${type}.subject.hbs is shipped`);
    for (const type of [...types, 'backoff']) {
      for (const node of ['ant-1', null]) {
        const m = t.render(type, await context(type as EventType, node, {}));
        assert.deepEqual(m.problems, [], `${type} (node ${node}) renders`);
        assert.ok(m.subject.length > 0 && !m.subject.includes('\n'));
        assert.ok(m.text.length > 0 && m.html.includes('<html>'));
      }
    }
    const crash = t.render('crashed', await context('crashed'));
    assert.match(crash.subject, /ant-1 crashed \(exit code 3\)/);
    assert.match(crash.text, /fatal: disk & db/, 'the log tail is in the mail');
    assert.match(crash.html, /fatal: disk &amp; db/);
  });
});
