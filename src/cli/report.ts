import { NodewardenError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * Print an error the way every verb does (`nodewarden: message`, then a hint)
 * and pick its exit code; a ConfigError is a NodewardenError (E_CONFIG_INVALID: 2).
 */
export function reportError(err: unknown): ExitCodeValue {
  if (err instanceof NodewardenError) {
    process.stderr.write(`nodewarden: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (err.code === 'E_DAEMON_UNREACHABLE') return ExitCode.UNREACHABLE;
    if (err.code === 'E_TIMEOUT') return ExitCode.TIMEOUT;
    if (err.code === 'E_BAD_REQUEST' || err.code === 'E_CONFIG_INVALID') return ExitCode.USAGE;
    return ExitCode.FAILED;
  }
  process.stderr.write(`nodewarden: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ExitCode.FAILED;
}
