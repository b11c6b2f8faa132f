/** Where a command writes; passed in so that commands are tested without a process. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** All of standard input, for a file named `-`; absent where there is none. */
  readonly readStdin?: () => Promise<string>;
}

/** One verb of the command line. `run` resolves to the process exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly run: (args: readonly string[], io: CommandIo) => Promise<number>;
}
