import { pino, stdTimeFunctions } from 'pino';

/** The levels the registrar logs at, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured context of a log line; an Error goes under `err` (logged with its message and stack). */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * What the registrar's components log through: pino's calling convention (fields first, then the
 * message), narrowed so that a test can hand in a recording logger (test/support/recording-logger.ts).
 * A pino logger satisfies it.
 */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  debug(msg: string): void;
  info(fields: LogFields, msg: string): void;
  info(msg: string): void;
  warn(fields: LogFields, msg: string): void;
  warn(msg: string): void;
  error(fields: LogFields, msg: string): void;
  error(msg: string): void;
  /** A logger that adds `bindings` to every line, e.g. `{ cluster: 'workload-cluster' }`. */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  readonly level?: LogLevel;
  /** Where the JSON lines go. Default standard output, written synchronously so nothing is lost at exit. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * A JSON-lines logger: `{"level":"info","time":"2025-09-02T08:48:28.000Z","msg":"…",…fields}`, one
 * object per line, the level as a word (as the seed's example logs show it) and the time in RFC 3339, so
 * that `kubectl logs | grep` and log collectors both read it without a schema.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    // No pid and hostname: in a pod both are constant and the collector adds the pod's name.
    base: undefined,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}

/**
 * The level for a klog-style `--v=N` verbosity: 2 and above log debug lines (the seed's troubleshooting
 * asks for `--v=2` to see each entry written), below that info.
 */
export function logLevelForVerbosity(verbosity: number): LogLevel {
  return verbosity >= 2 ? 'debug' : 'info';
}
