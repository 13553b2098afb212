/**
 * nodewarden's exit codes (DESIGN §6), for scripts that drive it.
 * - 0 OK: everything asked was done.
 * - 1 FAILED: the operation failed on at least one target.
 * - 2 USAGE: bad usage or invalid configuration; permanent, do not retry as is.
 * - 3 UNREACHABLE: the daemon is not running or its socket does not answer; temporary.
 * - 4 TIMEOUT: `--wait` gave up before the state was reached.
 */
export const ExitCode = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  TIMEOUT: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
