import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type LoadOptions } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import type { NodeSpec } from '../../../src/config/types.js';
import { BASE_TEMPLATE, configDirMaker, makeExecutable, writeFiles } from './fixture.js';

/** A config dir with the fake binary and the base template, plus `files`. */
const configDir = configDirMaker();
const load = (dir: string, opts: Partial<LoadOptions> = {}) =>
  loadConfig(dir, { secrets: new MemorySecrets(), ...opts });
const node = (nodes: readonly NodeSpec[], name: string): NodeSpec => {
  const n = nodes.find((x) => x.name === name);
  assert.ok(n, `no node ${name} in ${nodes.map((x) => x.name).join(', ')}`);
  return n;
};

describe('loadConfig: nodes', () => {
  test('no nodes dir means zero nodes', () => {
    const dir = configDir({});
    assert.deepEqual(load(dir).nodes, []);
  });

  test('a node file is one node named after the file, index 1, with every default', () => {
    const dir = configDir({ 'nodes/geth.json': {} });
    const [n] = load(dir).nodes;
    assert.deepEqual(n, {
      name: 'geth',
      index: 1,
      file: path.join(dir, 'nodes/geth.json'),
      binary: path.join(dir, 'bin/fake-node'),
      args: [],
      env: {},
      cwd: path.join(dir, 'data/geth'),
      dataDir: path.join(dir, 'data/geth'),
      user: null,
      group: null,
      autostart: true,
      priority: 100,
      shed: false,
      dependsOn: [],
      restart: {
        policy: 'always',
        startSeconds: 3,
        maxRetries: 5,
        fatalRetryMs: 600000,
        backoffMs: 1000,
        backoffMaxMs: 60000,
        stableSeconds: 60,
        permanentExitCodes: [],
      },
      stop: { signal: 'SIGTERM', graceMs: 120000 },
      hooks: { preStart: [], postStart: [], preStop: [], postStop: [], timeoutMs: 60000 },
      limits: { nofile: null, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
      logs: { maxBytes: 20 * 1024 * 1024, backups: 10, compress: false },
      probes: {},
      sync: {
        group: 'geth',
        minHealthy: 1,
        reference: [],
        maxLag: 10,
        windowMs: 300000,
        stallMs: 600000,
        startupGraceMs: 120000,
      },
      profileNames: [],
      profile: null,
      profileSpecs: {},
      files: [],
      runHash: n!.runHash,
    });
    assert.match(n!.runHash, /^[0-9a-f]{64}$/);
  });

  test('template and node file merge: objects by key, arrays replace, null deletes', () => {
    const dir = configDir({
      'template.json': {
        ...BASE_TEMPLATE,
        args: ['--a'],
        env: { A: '1', B: '2' },
        restart: { maxRetries: 9, backoffMs: 2000 },
      },
      'nodes/n.json': { args: ['--b'], env: { B: null, C: '3' }, restart: { backoffMs: 3000 } },
    });
    const n = load(dir).nodes[0]!;
    assert.deepEqual(n.args, ['--b']);
    assert.deepEqual(n.env, { A: '1', C: '3' });
    assert.equal(n.restart.maxRetries, 9);
    assert.equal(n.restart.backoffMs, 3000);
  });

  test('instances: N gives <file>-1..N with index 1..N and their own interpolated values', () => {
    const dir = configDir({
      'nodes/ant.json': {
        instances: 3,
        args: ['--port', '{{add 12000 index}}', '--id', '{{name}}-{{pad index 3}}'],
      },
    });
    const nodes = load(dir).nodes;
    assert.deepEqual(
      nodes.map((n) => [n.name, n.index]),
      [
        ['ant-1', 1],
        ['ant-2', 2],
        ['ant-3', 3],
      ],
    );
    assert.deepEqual(node(nodes, 'ant-2').args, ['--port', '12002', '--id', 'ant-2-002']);
    assert.equal(node(nodes, 'ant-3').dataDir, path.join(dir, 'data/ant-3'));
  });

  test('nodes are sorted by file name, then index', () => {
    const dir = configDir({
      'nodes/zeta.json': {},
      'nodes/ant.json': { instances: 2 },
      'nodes/ant-x.json': {},
      'nodes/b.json': {},
    });
    assert.deepEqual(
      load(dir).nodes.map((n) => n.name),
      ['ant-1', 'ant-2', 'ant-x', 'b', 'zeta'],
    );
  });

  test('files other than *.json in nodes/ are ignored', () => {
    const dir = configDir({ 'nodes/a.json': {}, 'nodes/README.md': '# notes', 'nodes/.b.json': '{' });
    assert.deepEqual(
      load(dir).nodes.map((n) => n.name),
      ['a'],
    );
  });

  test('interpolation context: name, index, dataDir, configDir, env of the manager, secrets', () => {
    const dir = configDir({
      'nodes/m.json': {
        dataDir: '/srv/{{name}}-{{index}}',
        args: [
          '{{dataDir}}',
          '{{configDir}}',
          '{{env.NW_TEST_HOME}}',
          '{{secret "rpc"}}',
          '{{secret "rpc"}}',
          '{{secret "other"}}',
        ],
      },
    });
    const n = load(dir, { env: { NW_TEST_HOME: '/home/x', PATH: '/usr/bin' } }).nodes[0]!;
    assert.equal(n.dataDir, '/srv/m-1');
    const [dataDir, configDirArg, home, s1, s2, s3] = n.args;
    assert.deepEqual([dataDir, configDirArg, home], ['/srv/m-1', dir, '/home/x']);
    assert.match(s1!, /^[0-9a-f]{32}$/);
    assert.equal(s1, s2);
    assert.notEqual(s1, s3);
  });

  test('secrets differ per node and repeat for one secret source', () => {
    const dir = configDir({ 'nodes/a.json': { instances: 2, args: ['{{secret "k"}}'] } });
    const secrets = new MemorySecrets();
    const first = loadConfig(dir, { secrets }).nodes.map((n) => n.args[0]);
    const again = loadConfig(dir, { secrets }).nodes.map((n) => n.args[0]);
    assert.notEqual(first[0], first[1]);
    assert.deepEqual(again, first);
  });

  test('a templated string may feed a number key (priority, probe port)', () => {
    const dir = configDir({
      'nodes/a.json': {
        instances: 2,
        priority: '{{add 10 index}}',
        probes: { p2p: { type: 'tcp', host: '127.0.0.1', port: '{{add 9000 index}}' } },
      },
    });
    const n = node(load(dir).nodes, 'a-2');
    assert.equal(n.priority, 12);
    assert.equal(n.probes.p2p!.port, 9002);
  });

  test('probes get their defaults; a tcp url fills host and port', () => {
    const dir = configDir({
      'nodes/a.json': {
        probes: {
          height: {
            type: 'jsonrpc',
            url: 'http://127.0.0.1:8545',
            method: 'eth_blockNumber',
            path: 'result',
          },
          p2p: { type: 'tcp', url: 'tcp://127.0.0.1:30303', intervalMs: 30000 },
          version: {
            type: 'prometheus',
            url: 'http://127.0.0.1:9100/metrics',
            metric: 'build_info',
            label: 'version',
          },
          cli: { type: 'command', command: ['/bin/echo', '5'] },
        },
        sync: { group: 'eth', reference: [{ type: 'http', url: 'https://example.org/tip', path: 'height' }] },
      },
    });
    const n = load(dir).nodes[0]!;
    assert.deepEqual(n.probes.height, {
      type: 'jsonrpc',
      url: 'http://127.0.0.1:8545',
      method: 'eth_blockNumber',
      path: 'result',
      intervalMs: 10000,
      timeoutMs: 5000,
    });
    assert.deepEqual(n.probes.p2p, {
      type: 'tcp',
      url: 'tcp://127.0.0.1:30303',
      host: '127.0.0.1',
      port: 30303,
      intervalMs: 30000,
      timeoutMs: 5000,
    });
    assert.equal(n.probes.version!.label, 'version');
    assert.deepEqual(n.probes.cli!.command, ['/bin/echo', '5']);
    assert.equal(n.sync.group, 'eth');
    assert.deepEqual(n.sync.reference, [
      { type: 'http', url: 'https://example.org/tip', path: 'height', intervalMs: 10000, timeoutMs: 5000 },
    ]);
  });

  test('a profile is merged on top when profileFor names it', () => {
    const dir = configDir({
      'template.json': { ...BASE_TEMPLATE, profiles: { fallback: { args: ['--from-template'] } } },
      'nodes/a.json': {
        instances: 2,
        args: ['--normal'],
        env: { MODE: 'normal' },
        profiles: { fallback: { env: { MODE: 'fallback', EXTRA: '{{name}}' } }, light: {} },
      },
    });
    const nodes = load(dir, { profileFor: (name) => (name === 'a-2' ? 'fallback' : null) }).nodes;
    const [a1, a2] = [node(nodes, 'a-1'), node(nodes, 'a-2')];
    assert.deepEqual([a1.profile, a1.args, a1.env], [null, ['--normal'], { MODE: 'normal' }]);
    assert.deepEqual(
      [a2.profile, a2.args, a2.env],
      ['fallback', ['--from-template'], { MODE: 'fallback', EXTRA: 'a-2' }],
    );
    assert.deepEqual(a1.profileNames, ['fallback', 'light']);
    assert.notEqual(a1.runHash, a2.runHash);
  });

  test('a bare binary name is looked up in PATH; cwd defaults to dataDir, relative cwd resolves', () => {
    const dir = configDir({ 'nodes/a.json': { binary: 'my-daemon', cwd: 'work' }, 'nodes/b.json': {} });
    const exe = makeExecutable(dir, 'path-bin/my-daemon');
    const nodes = load(dir, { env: { PATH: `/nonexistent:${path.dirname(exe)}` } }).nodes;
    assert.equal(node(nodes, 'a').binary, exe);
    assert.equal(node(nodes, 'a').cwd, path.join(dir, 'work'));
    assert.equal(node(nodes, 'b').cwd, node(nodes, 'b').dataDir);
  });

  test('files[]: json documents and templates rendered with the node context plus node', () => {
    const dir = configDir({
      'nodes/x.json': {
        args: ['--conf', '{{dataDir}}/x.conf'],
        probes: { rpc: { type: 'tcp', host: '127.0.0.1', port: 18081 } },
        files: [
          { path: '{{dataDir}}/config.json', json: { name: '{{name}}', port: 5, list: [1, null] } },
          { path: 'rendered/{{name}}.conf', template: 'node.conf.hbs' },
        ],
      },
      'templates/node.conf.hbs':
        'name={{name}}\ndata={{dataDir}}\nbin={{node.binary}}\nrpc={{node.probes.rpc.port}}\npw={{secret "rpc"}}\n',
    });
    const n = load(dir).nodes[0]!;
    assert.deepEqual(n.files[0], {
      path: path.join(dir, 'data/x/config.json'),
      content: `${JSON.stringify({ name: 'x', port: 5, list: [1, null] }, null, 2)}\n`,
    });
    assert.equal(n.files[1]!.path, path.join(dir, 'rendered/x.conf'));
    assert.match(
      n.files[1]!.content,
      new RegExp(
        `^name=x\\ndata=${path.join(dir, 'data/x')}\\nbin=${path.join(dir, 'bin/fake-node')}\\nrpc=18081\\npw=[0-9a-f]{32}\\n$`,
      ),
    );
  });

  test('the result is deep-frozen', () => {
    const dir = configDir({
      'nodes/a.json': {
        files: [{ path: 'f.json', json: { a: { b: 1 } } }],
        probes: { t: { type: 'tcp', host: 'h', port: 1 } },
      },
    });
    const c = load(dir);
    const n = c.nodes[0]!;
    for (const o of [
      c,
      c.manager,
      c.manager.alerts.on,
      c.nodes,
      n,
      n.args,
      n.env,
      n.restart,
      n.probes,
      n.probes.t,
      n.files,
      n.files[0],
      n.sync.reference,
    ]) {
      assert.ok(Object.isFrozen(o));
    }
    assert.throws(() => {
      (n as { priority: number }).priority = 1;
    }, TypeError);
  });

  test('a relative config dir is made absolute', () => {
    const dir = configDir({ 'nodes/a.json': {} });
    const c = load(path.relative(process.cwd(), dir));
    assert.equal(c.manager.configDir, dir);
    assert.equal(c.nodes[0]!.binary, path.join(dir, 'bin/fake-node'));
  });

  test('a config dir that does not exist is a config error', () => {
    assert.throws(() => load('/nonexistent/nw-config'), {
      code: 'E_CONFIG_INVALID',
      message: /does not exist/,
    });
  });
});

describe('loadConfig: runHash', () => {
  const base = {
    args: ['--a'],
    env: { X: '1' },
    limits: { nofile: 4096, maxRssMb: 100 },
    files: [{ path: 'c.json', json: { v: 1 } }],
  };
  // Each config dir differs, so compare within one dir by rewriting the node file.
  const inOneDir = (changes: Record<string, unknown>[]): string[] => {
    const dir = configDir({ 'nodes/a.json': base });
    return changes.map((c) => {
      writeFiles(dir, { 'nodes/a.json': { ...base, ...c } });
      return load(dir).nodes[0]!.runHash;
    });
  };

  test('unchanged config gives the same hash; env key order does not matter', () => {
    const [h1, h2, h3] = inOneDir([{}, {}, { env: { X: '1' } }]);
    assert.equal(h1, h2);
    assert.equal(h1, h3);
  });

  test('keys that do not affect the process leave it alone', () => {
    const hashes = inOneDir([
      {},
      { priority: 5 },
      { autostart: false },
      { restart: { maxRetries: 1, policy: 'never' } },
      { stop: { graceMs: 5 } },
      { limits: { nofile: 4096, maxRssMb: 999, forSamples: 7 } },
      { logs: { backups: 1 } },
      { probes: { h: { type: 'http', url: 'http://127.0.0.1/' } } },
      { sync: { maxLag: 99 } },
      { profiles: { fallback: { args: ['--x'] } } },
    ]);
    assert.equal(new Set(hashes).size, 1, JSON.stringify(hashes));
  });

  test('each run-affecting key changes it', () => {
    const dir = configDir({ 'nodes/a.json': base });
    makeExecutable(dir, 'bin/other');
    writeFiles(dir, { 'nodes/a.json': base });
    const changes: Record<string, unknown>[] = [
      {},
      { binary: './bin/other' },
      { args: ['--b'] },
      { env: { X: '2' } },
      { cwd: 'elsewhere' },
      { dataDir: 'data/other' },
      { user: 'nobody' },
      { group: 0 },
      { limits: { nofile: 1024 } },
      { files: [{ path: 'c.json', json: { v: 2 } }] },
      { files: [{ path: 'd.json', json: { v: 1 } }] },
    ];
    const hashes = changes.map((c) => {
      writeFiles(dir, { 'nodes/a.json': { ...base, ...c } });
      return load(dir).nodes[0]!.runHash;
    });
    assert.equal(new Set(hashes).size, changes.length, JSON.stringify(hashes));
  });

  test('a change in a file template changes the hash', () => {
    const dir = configDir({
      'nodes/a.json': { files: [{ path: 'c.conf', template: 'c.hbs' }] },
      'templates/c.hbs': 'v=1',
    });
    const h1 = load(dir).nodes[0]!.runHash;
    fs.writeFileSync(path.join(dir, 'templates/c.hbs'), 'v=2');
    assert.notEqual(load(dir).nodes[0]!.runHash, h1);
  });
});
