/** Errors the CLI knows how to print in one line, with the exit code they mean. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** Exit codes of the contract (section 3). */
export const EXIT = {
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
  REFUSED: 4,
  NOT_DELIVERED: 5,
  ANSWER_INVALID: 6,
  USAGE: 64,
  LOCKED: 75,
  /** `wait`: the condition did not hold before --timeout (as GNU timeout(1) exits). */
  TIMEOUT: 124,
} as const;
