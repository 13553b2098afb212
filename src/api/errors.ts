import { NodewardenError, type ErrorCode } from '../errors.js';
import type { ErrorResponse } from '../protocol/types.js';

/** HTTP status of each error code the API replies with (unlisted codes: 500). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  E_BAD_REQUEST: 400,
  E_PROTOCOL_MISMATCH: 400,
  E_UNAUTHORIZED: 401,
  E_ORIGIN_NOT_ALLOWED: 403,
  E_NODE_NOT_FOUND: 404,
  // 421 Misdirected Request: this server does not answer for that name (DNS rebinding).
  E_HOST_NOT_ALLOWED: 421,
  E_CONFIG_INVALID: 422,
  E_STORE: 503,
  E_TIMEOUT: 504,
};

export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Fastify's own errors (validation, bad JSON, body too large) as they reach the error handler. */
interface FrameworkError {
  statusCode?: number;
  validation?: unknown;
  message: string;
}

/**
 * Every error reply of the API: `{error: {code, message}}` with a code of
 * src/errors.ts. Fastify's request errors (schema validation, bad JSON,
 * oversized body) keep their 4xx status under E_BAD_REQUEST; anything else
 * unexpected is a 500 E_INTERNAL.
 */
export function toErrorReply(err: unknown): { status: number; body: ErrorResponse } {
  if (err instanceof NodewardenError) {
    const body: ErrorResponse = { error: { code: err.code, message: err.message } };
    if (err.hint !== undefined) body.error.hint = err.hint;
    if (err.details !== undefined) body.error.details = err.details;
    return { status: httpStatus(err.code), body };
  }
  const fe = err as FrameworkError;
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (fe?.validation !== undefined || (status >= 400 && status < 500)) {
    return { status: status >= 400 && status < 500 ? status : 400, body: badRequest(fe.message) };
  }
  return { status: 500, body: { error: { code: 'E_INTERNAL', message: fe?.message ?? String(err) } } };
}

/** One schema failure as ajv reports it (with `verbose`, the bad value too). */
export interface SchemaFailure {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
}

/**
 * Fastify's schema error formatter: every failure as `where: what (got value)`,
 * e.g. `querystring.limit: must be integer (got "abc")`, `body: unknown key "foo"`.
 */
export function formatSchemaErrors(errors: readonly SchemaFailure[], dataVar: string): Error {
  const lines = errors.map((e) => {
    const where = [dataVar, ...e.instancePath.split('/').filter(Boolean)].join('.');
    if (typeof e.params['additionalProperty'] === 'string') {
      return `${where}: unknown key ${JSON.stringify(e.params['additionalProperty'])}`;
    }
    const got = e.data === undefined || typeof e.data === 'object' ? '' : ` (got ${JSON.stringify(e.data)})`;
    return `${where}: ${e.message ?? 'is invalid'}${got}`;
  });
  return new Error(lines.join('; '));
}

function badRequest(message: string): ErrorResponse {
  return { error: { code: 'E_BAD_REQUEST', message } };
}

/** E_NODE_NOT_FOUND for a name the supervisor does not know. */
export function noSuchNode(name: string): NodewardenError {
  return new NodewardenError('E_NODE_NOT_FOUND', `no such node: ${JSON.stringify(name)}`, {
    details: { node: name },
  });
}

/** E_BAD_REQUEST for input the schema could not express, quoting the value. */
export function badInput(message: string): NodewardenError {
  return new NodewardenError('E_BAD_REQUEST', message);
}
