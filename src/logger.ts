import path from 'node:path';
import winston from 'winston';

/** The manager's own log: what helpers need of it. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: string;
  /** Directory for `nodewarden.log`; null = console only. */
  logDir?: string | null;
  maxBytes?: number;
  backups?: number;
  /** Human-readable console lines (a TTY) or JSON lines (journald, supervisord). */
  pretty?: boolean;
  /** Console output off (tests). */
  silentConsole?: boolean;
}

/**
 * The manager log: readable lines on a terminal, JSON otherwise, plus a
 * size-rotated `<logDir>/nodewarden.log` in JSON.
 */
export function createLogger(opts: LoggerOptions = {}): Logger & { close(): Promise<void> } {
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  const transports: winston.transport[] = [];
  if (!opts.silentConsole) {
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: pretty
          ? winston.format.combine(
              winston.format.timestamp({ format: 'HH:mm:ss' }),
              winston.format.printf(({ level, message, timestamp, ...meta }) => {
                const rest = Object.keys(meta).length ? ' ' + JSON.stringify(meta) : '';
                return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${rest}`;
              }),
            )
          : winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  if (opts.logDir) {
    transports.push(
      new winston.transports.File({
        filename: path.join(opts.logDir, 'nodewarden.log'),
        maxsize: opts.maxBytes ?? 20 * 1024 * 1024,
        maxFiles: opts.backups ?? 5,
        tailable: true,
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  const logger = winston.createLogger({
    level: opts.level ?? 'info',
    transports,
    silent: transports.length === 0,
  });
  return {
    error: (m, meta) => void logger.error(m, meta),
    warn: (m, meta) => void logger.warn(m, meta),
    info: (m, meta) => void logger.info(m, meta),
    debug: (m, meta) => void logger.debug(m, meta),
    close: () =>
      new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      }),
  };
}

/** A logger that discards everything (unit tests). */
export const nullLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
