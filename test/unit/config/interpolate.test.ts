import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  interpolateTree,
  renderString,
  TemplateError,
  type TemplateContext,
} from '../../../src/config/interpolate.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import type { SecretSource } from '../../../src/config/types.js';

const ctx: TemplateContext = {
  name: 'ant-7',
  index: 7,
  dataDir: '/srv/ant-7',
  configDir: '/etc/nw',
  env: { HOME: '/home/op' },
};

class RecordingSecrets implements SecretSource {
  readonly calls: string[] = [];
  get(node: string, key: string): string {
    this.calls.push(`${node}/${key}`);
    return `s3cret-${key}`;
  }
}

const render = (s: string, secrets: SecretSource = new MemorySecrets()): string =>
  renderString(s, ctx, secrets);

describe('renderString', () => {
  test('context variables and env', () => {
    assert.equal(
      render('{{name}} {{index}} {{dataDir}} {{configDir}} {{env.HOME}}'),
      'ant-7 7 /srv/ant-7 /etc/nw /home/op',
    );
  });

  test('add sums its numeric arguments', () => {
    assert.equal(render('{{add 12000 index}}'), '12007');
    assert.equal(render('{{add 1 2 3 index}}'), '13');
    assert.equal(render('{{add "10" index}}'), '17');
  });

  test('pad zero-pads to a width', () => {
    assert.equal(render('{{pad index 3}}'), '007');
    assert.equal(render('{{pad 12345 3}}'), '12345');
  });

  test('secret asks the SecretSource with the node name and the key', () => {
    const s = new RecordingSecrets();
    assert.equal(render('rpc={{secret "rpcpassword"}}', s), 'rpc=s3cret-rpcpassword');
    assert.deepEqual(s.calls, ['ant-7/rpcpassword']);
  });

  test('output is never HTML-escaped', () => {
    assert.equal(renderString('{{name}}&<>"', { ...ctx, name: '<a&b>' }, new MemorySecrets()), '<a&b>&<>"');
  });

  test('strings without template syntax come back unchanged', () => {
    assert.equal(render('plain {text}'), 'plain {text}');
  });

  test('an unknown variable is an error naming it', () => {
    assert.throws(
      () => render('--x={{nope}}'),
      (e: unknown) => e instanceof TemplateError && /"nope"/.test(e.message) && /column 7/.test(e.message),
    );
    assert.throws(() => render('{{env.MISSING_VAR}}'), /"MISSING_VAR"/);
  });

  test('an unknown variable inside a helper argument is an error too', () => {
    assert.throws(() => render('{{add 1 nope}}'), /add: argument 2 is not a number/);
    assert.throws(() => render('{{pad nope 3}}'), /pad: value is undefined/);
  });

  test('an unknown helper is an error', () => {
    assert.throws(() => render('{{frobnicate 1}}'), /"frobnicate"/);
  });

  test('a syntax error names the line', () => {
    assert.throws(
      () => render('ok\n{{#if x}}'),
      (e: unknown) => e instanceof TemplateError && /syntax error on line 2/.test(e.message),
    );
  });

  test('secret needs a string key', () => {
    assert.throws(() => render('{{secret}}'), /secret: needs one non-empty string key/);
  });

  test('dataDir is unknown while dataDir itself is rendered', () => {
    const { dataDir: _d, ...noDataDir } = ctx;
    assert.throws(() => renderString('{{dataDir}}/x', noDataDir, new MemorySecrets()), /"dataDir"/);
  });

  test('helpers do not leak into the global Handlebars instance', async () => {
    const Handlebars = (await import('handlebars')).default;
    assert.equal(Handlebars.helpers.add, undefined);
    assert.equal(Handlebars.helpers.secret, undefined);
  });
});

describe('interpolateTree', () => {
  test('renders every string of a tree, keys untouched, non-strings kept', () => {
    const tree = { args: ['--port', '{{add 9000 index}}'], env: { '{{name}}': '{{name}}' }, n: 5, b: true };
    const r = interpolateTree(tree, ctx, new MemorySecrets());
    assert.deepEqual(r.value, { args: ['--port', '9007'], env: { '{{name}}': 'ant-7' }, n: 5, b: true });
    assert.deepEqual([...r.templated.keys()].sort(), ['args.1', 'env.{{name}}']);
    assert.equal(r.templated.get('args.1'), '{{add 9000 index}}');
    assert.deepEqual(r.problems, []);
  });

  test('reports every failing string with its key path and keeps going', () => {
    const r = interpolateTree({ a: ['{{x}}', 'ok'], b: { c: '{{y' } }, ctx, new MemorySecrets());
    assert.deepEqual(
      r.problems.map((p) => p.key),
      ['a.0', 'b.c'],
    );
    assert.match(r.problems[0]!.message, /^template error: unknown variable or helper "x"/);
    assert.match(r.problems[1]!.message, /^template error: syntax error on line 1/);
  });
});
