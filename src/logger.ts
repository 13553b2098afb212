import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Redact } from './config/redact.js';
import { ManagerLogFile, type ManagerLogStats } from './logs/manager-log.js';

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
  /** Masks secrets in every message and its meta before any output sees them. */
  redaction?: Redact;
  /** Where console lines go (default process.stderr). */
  stderr?: NodeJS.WriteStream;
}

/** What the manager log has had to give up on (its output must never take nodewarden down). */
export interface LoggerStats {
  /** Errors of the console stream (a closed pipe: EPIPE); after the first, console output stops. */
  consoleErrors: number;
  consoleClosed: boolean;
  /** `nodewarden.log`: lines written and dropped, failures. Null without a logDir. */
  file: ManagerLogStats | null;
}

/** The manager log as the daemon holds it. */
export interface ManagerLogger extends Logger {
  stats(): LoggerStats;
  /** Write what is queued and close the file. */
  close(): Promise<void>;
}

/**
 * The manager log: readable lines on a terminal, JSON otherwise, plus a
 * size-rotated `<logDir>/nodewarden.log` (mode 0600) in JSON. Secrets are
 * masked first. Its own output never takes nodewarden down: a console whose
 * pipe closed (EPIPE) goes quiet and is counted; a log file that cannot be
 * written (full disk) drops lines, counts them and tries again with later lines.
 */
export function createLogger(opts: LoggerOptions = {}): ManagerLogger {
  const stderr = opts.stderr ?? process.stderr;
  const pretty = opts.pretty ?? Boolean(stderr.isTTY);
  const transports: winston.transport[] = [];
  let consoleErrors = 0;
  let consoleOut: winston.transport | null = null;
  const onConsoleError = (): void => {
    consoleErrors++;
    if (consoleOut) consoleOut.silent = true;
  };
  if (!opts.silentConsole) {
    consoleOut = new winston.transports.Stream({
      stream: stderr,
      eol: '\n',
      format: pretty
        ? winston.format.combine(
            winston.format.timestamp({ format: 'HH:mm:ss' }),
            winston.format.printf(({ level, message, timestamp, ...meta }) => {
              const rest = Object.keys(meta).length ? ' ' + JSON.stringify(meta) : '';
              return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${rest}`;
            }),
          )
        : winston.format.combine(winston.format.timestamp(), winston.format.json()),
    });
    stderr.on('error', onConsoleError);
    transports.push(consoleOut);
  }
  let file: ManagerLogFile | null = null;
  if (opts.logDir) {
    const out = new ManagerLogFile({
      file: path.join(opts.logDir, 'nodewarden.log'),
      maxBytes: opts.maxBytes ?? 20 * 1024 * 1024,
      backups: opts.backups ?? 5,
    });
    file = out;
    transports.push(
      new winston.transports.Stream({
        stream: new Writable({
          decodeStrings: false,
          write(chunk: string | Buffer, _enc, done) {
            out.write(String(chunk));
            done();
          },
        }),
        eol: '',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  const logger = winston.createLogger({
    level: opts.level ?? 'info',
    format: redactFormat(opts.redaction)(),
    transports,
    silent: transports.length === 0,
  });
  // A transport's error is re-emitted by the logger, which would throw it without a listener;
  // each output already counts its own failures, so there is nothing more to do here.
  logger.on('error', () => undefined);
  let closing: Promise<void> | null = null;
  return {
    error: (m, meta) => void logger.error(m, meta),
    warn: (m, meta) => void logger.warn(m, meta),
    info: (m, meta) => void logger.info(m, meta),
    debug: (m, meta) => void logger.debug(m, meta),
    stats: () => ({
      consoleErrors,
      consoleClosed: consoleOut?.silent === true,
      file: file?.stats() ?? null,
    }),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      }).then(async () => {
        stderr.off('error', onConsoleError);
        await file?.close();
      })),
  };
}

/** Masks secrets in the message and in every meta field (a winston format, run before any transport). */
function redactFormat(redaction: Redact | undefined) {
  return winston.format((info) => {
    if (!redaction) return info;
    const fields: Record<string, unknown> = {};
    for (const k of Object.keys(info)) if (k !== 'level') fields[k] = info[k];
    Object.assign(info, redaction.value(fields));
    return info;
  });
}

/** A logger that discards everything (unit tests). */
export const nullLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
