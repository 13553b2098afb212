import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEndpoint } from '../../../src/monitoring/health.js';

test('a reference is named in events by scheme, host and port only: no credentials, path or query', () => {
  const base = { intervalMs: 1000, timeoutMs: 500 };
  assert.deepEqual(
    describeEndpoint({
      ...base,
      type: 'jsonrpc',
      url: 'https://user:s3cret@rpc.example.org:8443/v3/APIKEY123?token=x',
    }),
    { type: 'jsonrpc', endpoint: 'https://rpc.example.org:8443' },
  );
  assert.deepEqual(describeEndpoint({ ...base, type: 'tcp', host: '127.0.0.1', port: 9 }), {
    type: 'tcp',
    endpoint: '127.0.0.1:9',
  });
  assert.deepEqual(
    describeEndpoint({ ...base, type: 'command', command: ['/usr/bin/explorer-tip', '--key', 'k'] }),
    { type: 'command', endpoint: '/usr/bin/explorer-tip' },
  );
  assert.deepEqual(describeEndpoint(undefined), {});
});
