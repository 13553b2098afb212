import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clash, listenPorts, parseAddress } from '../../../src/config/ports.js';

/** The listening ports read from a node's command line, for the conflict check. */

const ports = (args: string[]): string[] =>
  listenPorts(args).map((l) => (l.host === null ? `*:${l.port}` : `${l.host}:${l.port}`));

describe('listenPorts', () => {
  test('port flags: --flag value, --flag=value, -flag=value, -flag value', () => {
    assert.deepEqual(ports(['--port', '9000']), ['*:9000']);
    assert.deepEqual(ports(['--port=9001']), ['*:9001']);
    assert.deepEqual(ports(['-port=9002']), ['*:9002']);
    assert.deepEqual(ports(['-rpcport', '8232']), ['*:8232']);
    assert.deepEqual(ports(['--rpcport', '8233', '-rpcport=8234']), ['*:8233', '*:8234']);
  });

  test('names ending in -port, _port or .port; known <word>port names', () => {
    assert.deepEqual(
      ports([
        '--p2p-port',
        '1',
        '--rpc-bind-port=2',
        '--http.port',
        '3',
        '--metrics_port=4',
        '--wsport',
        '5',
        '--zmqport=6',
      ]),
      ['*:1', '*:2', '*:3', '*:4', '*:5', '*:6'],
    );
  });

  test('words that merely end in "port" are not ports', () => {
    assert.deepEqual(ports(['--export', '9000', '--report=1', '--transport', '2', '--support', '3']), []);
  });

  test('address flags: host:port, [v6]:port, :port, URLs, multiaddrs, bare ports, lists', () => {
    assert.deepEqual(ports(['--listen', '0.0.0.0:9000']), ['*:9000']);
    assert.deepEqual(ports(['--rpc-listen-addr', '127.0.0.1:9001']), ['127.0.0.1:9001']);
    assert.deepEqual(ports(['--rpc-listen-addr=localhost:9002']), ['127.0.0.1:9002']);
    assert.deepEqual(ports(['-rpcbind=[::1]:8332']), ['::1:8332']);
    assert.deepEqual(ports(['--grpc.address', ':9090']), ['*:9090']);
    assert.deepEqual(ports(['--p2p.laddr', 'tcp://0.0.0.0:26656']), ['*:26656']);
    assert.deepEqual(ports(['--listen-address', '/ip4/10.0.0.5/tcp/4001']), ['10.0.0.5:4001']);
    assert.deepEqual(ports(['--listen', '/ip6/::/udp/4002/quic-v1']), ['*:4002']);
    assert.deepEqual(ports(['--bind', '7000']), ['*:7000']);
    assert.deepEqual(ports(['--listen', '10.0.0.1:1,10.0.0.2:2']), ['10.0.0.1:1', '10.0.0.2:2']);
    assert.deepEqual(ports(['--rpc', '127.0.0.1:12001']), ['127.0.0.1:12001']);
  });

  test('addresses of others (peers, seeds, announced) and addresses without a port are not listens', () => {
    assert.deepEqual(
      ports([
        '-addnode=1.2.3.4:7770',
        '--bootnodes',
        'enode://ab@1.2.3.4:30303',
        '--peer-addr',
        '1.2.3.4:1',
        '--public-address',
        '1.2.3.4:2',
        '--seed-node-address=1.2.3.4:3',
        '--http.addr',
        '0.0.0.0',
        '--rpc',
      ]),
      [],
    );
  });

  test('port 0, out-of-range and non-numeric values are skipped; a flag without value too', () => {
    assert.deepEqual(ports(['--port', '0', '--rpcport=70000', '--p2p-port', 'auto', '--ws-port', '--x']), []);
  });

  test('repeats are listed once', () => {
    assert.deepEqual(ports(['--port', '9000', '--listen', ':9000']), ['*:9000']);
  });
});

describe('parseAddress and clash', () => {
  test('user@host in a URL and a trailing path are ignored', () => {
    assert.deepEqual(parseAddress('http://u:p@127.0.0.1:8545/rpc'), { port: 8545, host: '127.0.0.1' });
  });

  test('same port clashes when either side listens on every address or both on the same one', () => {
    const any = { port: 9000, host: null };
    assert.equal(clash(any, { port: 9000, host: '127.0.0.1' }), true);
    assert.equal(clash({ port: 9000, host: '10.0.0.1' }, { port: 9000, host: '10.0.0.1' }), true);
    assert.equal(clash({ port: 9000, host: '10.0.0.1' }, { port: 9000, host: '10.0.0.2' }), false);
    assert.equal(clash(any, { port: 9001, host: null }), false);
  });
});
