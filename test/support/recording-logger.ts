import type { LogFields, Logger, LogLevel } from '../../src/observability/logger.ts';

/** One line a RecordingLogger kept: its level, message and fields (the child bindings merged in). */
export interface RecordedLine {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: LogFields;
}

/** A logger that keeps its lines in memory, for tests that check what a component reported. */
export class RecordingLogger implements Logger {
  readonly lines: RecordedLine[];
  readonly #bindings: LogFields;

  constructor(lines: RecordedLine[] = [], bindings: LogFields = {}) {
    this.lines = lines;
    this.#bindings = bindings;
  }

  debug(fieldsOrMsg: LogFields | string, msg?: string): void {
    this.#record('debug', fieldsOrMsg, msg);
  }

  info(fieldsOrMsg: LogFields | string, msg?: string): void {
    this.#record('info', fieldsOrMsg, msg);
  }

  warn(fieldsOrMsg: LogFields | string, msg?: string): void {
    this.#record('warn', fieldsOrMsg, msg);
  }

  error(fieldsOrMsg: LogFields | string, msg?: string): void {
    this.#record('error', fieldsOrMsg, msg);
  }

  /** Shares the parent's list of lines, so the parent sees what its children logged. */
  child(bindings: LogFields): Logger {
    return new RecordingLogger(this.lines, { ...this.#bindings, ...bindings });
  }

  /** The lines at `level`. */
  at(level: LogLevel): RecordedLine[] {
    return this.lines.filter((line) => line.level === level);
  }

  #record(level: LogLevel, fieldsOrMsg: LogFields | string, msg?: string): void {
    if (typeof fieldsOrMsg === 'string') this.lines.push({ level, msg: fieldsOrMsg, fields: { ...this.#bindings } });
    else this.lines.push({ level, msg: msg ?? '', fields: { ...this.#bindings, ...fieldsOrMsg } });
  }
}
