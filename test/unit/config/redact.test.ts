import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK } from '../../../src/config/issues.js';
import { loadConfig } from '../../../src/config/load.js';
import { looksSecretName, Redaction, Redactor } from '../../../src/config/redact.js';
import { MaskedSecrets, MemorySecrets } from '../../../src/config/secrets.js';
import { sensitiveValues } from '../../../src/config/sensitive.js';
import { showNode } from '../../../src/config/show.js';
import { configDirMaker } from './fixture.js';

const configDir = configDirMaker();
const SECRET = '5f2a9c0e81d4b7a6c3e9f0d2b8a1c4e7';

describe('looksSecretName', () => {
  const secret = [
    'RPC_PASSWORD', 'rpcpassword', '--rpcpassword', 'apiToken', 'API_KEY', 'x-api-key', 'pass',
    'Authorization', 'x-token', 'PRIVATE_KEY', 'rpcauth', 'wallet-passphrase', 'client_secret',
    'rpc-login', 'MNEMONIC',
  ]; // prettier-ignore
  const plain = [
    'RPC_USER', 'KEY_FILE', 'PASSWORD_FILE', 'private-key-path', 'PUBLIC_KEY', 'pubkey', 'keepNodes',
    'bypass', 'port', 'name', 'monkey', 'PWD', 'author', 'auth.user'.split('.')[1]!,
  ]; // prettier-ignore
  for (const n of secret) test(`${n} is secret`, () => assert.equal(looksSecretName(n), true));
  for (const n of plain) test(`${n} is not`, () => assert.equal(looksSecretName(n), false));
});

describe('Redactor', () => {
  const r = new Redactor([SECRET, 'hunter22', '1', 'true']);

  test('masks every occurrence of a known value, also inside longer strings', () => {
    assert.equal(r.text(`--rpcpassword=${SECRET}`), `--rpcpassword=${MASK}`);
    assert.equal(r.text(`a ${SECRET}${SECRET} b hunter22!`), `a ${MASK}${MASK} b ${MASK}!`);
    assert.equal(r.text(`user:${SECRET}@`), `user:${MASK}@`);
    assert.equal(r.size, 2, 'values shorter than the minimum or plain settings are not learnt');
    assert.equal(r.text('exit code 1, ok true'), 'exit code 1, ok true');
  });

  test('masks secrets by shape without knowing them: URL passwords, query tokens, secret-named flags', () => {
    const s = Redactor.shapesOnly;
    assert.equal(s.text('GET http://rpc:pw0rd@127.0.0.1:8332/'), `GET http://rpc:${MASK}@127.0.0.1:8332/`);
    assert.equal(s.text('https://h/x?token=abc&n=1'), `https://h/x?token=${MASK}&n=1`);
    assert.equal(s.text('node --rpc-password=abc --port=1'), `node --rpc-password=${MASK} --port=1`);
    assert.equal(s.text('http://host:8545/path?n=1'), 'http://host:8545/path?n=1');
  });

  test('in an argv, the value after a secret-named flag is masked', () => {
    assert.deepEqual(Redactor.shapesOnly.argv(['/bin/geth', '--password', 'abc', '--port', '30303']), [
      '/bin/geth',
      '--password',
      MASK,
      '--port',
      '30303',
    ]);
  });

  test('value() redacts a copy of every string, masks secret-named keys whole and leaves the input alone', () => {
    const input = {
      pid: 7,
      argv: ['/bin/x', '--rpcpassword', 'xyz', `--k=${SECRET}`],
      env: { RPC_PASSWORD: 'abc', HOME: '/root' },
      nested: [{ msg: `saw ${SECRET}` }],
      when: new Date(0),
    };
    const out = r.value(input);
    assert.deepEqual(out, {
      pid: 7,
      argv: ['/bin/x', '--rpcpassword', MASK, `--k=${MASK}`],
      env: { RPC_PASSWORD: MASK, HOME: '/root' },
      nested: [{ msg: `saw ${MASK}` }],
      when: new Date(0),
    });
    assert.equal(input.argv[2], 'xyz');
  });

  test('a Redaction learns more on each reload and forgets nothing', () => {
    const red = new Redaction();
    red.learn(['first-secret']);
    red.learn(['second-secret']);
    assert.equal(red.text('first-secret second-secret'), `${MASK} ${MASK}`);
  });
});

describe('secrets of a loaded config', () => {
  const dir = configDir({
    'nodewarden.json': {
      control: { http: { port: 18999, token: 'control-token-1' } },
      alerts: {
        email: {
          from: 'a@b.invalid',
          to: ['c@d.invalid'],
          smtp: { host: '127.0.0.1', port: 25, auth: { user: 'nw', pass: 'smtp-pass-1' } },
        },
        webhooks: [
          {
            url: 'https://hooks.invalid/x?token=hook-token-1',
            headers: { Authorization: 'Bearer bearer-1234' },
          },
        ],
      },
    },
    'nodes/geth.json': {
      args: ['--rpcpassword={{secret "rpcpassword"}}', '--password', 'literal-pw-1', '--http'],
      env: { RPC_PASSWORD: 'env-pass-1', DATA: '/data/geth' },
      probes: {
        height: {
          type: 'jsonrpc',
          method: 'eth_blockNumber',
          url: 'http://rpc:url-pass-1@127.0.0.1:8545/',
          auth: { user: 'u', pass: 'auth-pass-1' },
        },
      },
    },
  });

  test('env secrets, flag values, probe passwords, URL passwords, SMTP password, control token, webhook secrets', () => {
    const values = sensitiveValues(loadConfig(dir, { secrets: new MemorySecrets() }));
    for (const v of [
      'env-pass-1',
      'literal-pw-1',
      'url-pass-1',
      'auth-pass-1',
      'smtp-pass-1',
      'control-token-1',
      'hook-token-1',
      'Bearer bearer-1234',
      'bearer-1234',
    ])
      assert.ok(values.includes(v), `${v} in ${JSON.stringify(values)}`);
    assert.ok(!values.includes('/data/geth'));
  });

  test('config show masks env secrets, auth.pass, URL passwords and secret flags, even with a real secret source', () => {
    const shown = JSON.stringify(showNode(loadConfig(dir, { secrets: new MemorySecrets() }), 'geth'));
    for (const v of ['env-pass-1', 'literal-pw-1', 'url-pass-1', 'auth-pass-1'])
      assert.ok(!shown.includes(v), v);
    assert.doesNotMatch(shown, /--rpcpassword=[0-9a-f]{64}/);
    const n = showNode(loadConfig(dir, { secrets: new MaskedSecrets() }), 'geth');
    assert.deepEqual(n.args, [`--rpcpassword=${MASK}`, '--password', MASK, '--http']);
    assert.deepEqual(n.env, { RPC_PASSWORD: MASK, DATA: '/data/geth' });
    assert.equal(n.probes['height']!.url, `http://rpc:${MASK}@127.0.0.1:8545/`);
    assert.deepEqual(n.probes['height']!.auth, { user: 'u', pass: MASK });
  });
});
