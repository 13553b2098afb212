/**
 * The error-code registry: every key is its own code, and the list is pinned
 * so that a code is never renamed or dropped without this test changing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpStatus } from '../../src/api/errors.js';
import { ErrorCodes } from '../../src/errors.js';

test('every error code equals its key, and the registry is pinned', () => {
  for (const [key, code] of Object.entries(ErrorCodes)) assert.equal(code, key);
  assert.deepEqual(Object.keys(ErrorCodes), [
    'E_CONFIG_INVALID',
    'E_NODE_NOT_FOUND',
    'E_SPAWN_FAILED',
    'E_LOCKED',
    'E_NODE_LOCKED',
    'E_DAEMON_UNREACHABLE',
    'E_PROTOCOL_MISMATCH',
    'E_BAD_REQUEST',
    'E_UNAUTHORIZED',
    'E_TIMEOUT',
    'E_STORE',
    'E_INTERNAL',
    'E_HOST_NOT_ALLOWED',
    'E_ORIGIN_NOT_ALLOWED',
  ]);
});

test('the control API answers a foreign Host with 421 and a foreign Origin with 403', () => {
  assert.equal(httpStatus('E_HOST_NOT_ALLOWED'), 421);
  assert.equal(httpStatus('E_ORIGIN_NOT_ALLOWED'), 403);
  assert.equal(httpStatus('E_UNAUTHORIZED'), 401);
});
