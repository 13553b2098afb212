/**
 * The error-code registry. Every error nodewarden reports to a user carries one
 * of these codes; codes are never reused or renamed (a test pins the list).
 */
export const ErrorCodes = {
  E_CONFIG_INVALID: 'E_CONFIG_INVALID',
  E_NODE_NOT_FOUND: 'E_NODE_NOT_FOUND',
  E_SPAWN_FAILED: 'E_SPAWN_FAILED',
  E_LOCKED: 'E_LOCKED',
  E_NODE_LOCKED: 'E_NODE_LOCKED',
  E_DAEMON_UNREACHABLE: 'E_DAEMON_UNREACHABLE',
  E_PROTOCOL_MISMATCH: 'E_PROTOCOL_MISMATCH',
  E_BAD_REQUEST: 'E_BAD_REQUEST',
  E_UNAUTHORIZED: 'E_UNAUTHORIZED',
  E_TIMEOUT: 'E_TIMEOUT',
  E_STORE: 'E_STORE',
  E_INTERNAL: 'E_INTERNAL',
  /** A TCP request whose `Host` is neither loopback nor a name the control API is configured for. */
  E_HOST_NOT_ALLOWED: 'E_HOST_NOT_ALLOWED',
  /** A state-changing TCP request sent by a page of another origin. */
  E_ORIGIN_NOT_ALLOWED: 'E_ORIGIN_NOT_ALLOWED',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** One error type with a literal code, an optional hint and structured details. */
export class NodewardenError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'NodewardenError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}
