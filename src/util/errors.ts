/** The exit-code contract shared by every command. */
export const ExitCode = {
  Ok: 0,
  /** check: errors found; convert --verify: above tolerance */
  Findings: 1,
  /** usage error, probe failure, refused conversion, bad input */
  Usage: 2,
} as const;

/** An expected failure: printed as one line (plus optional hint), no stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly hint?: string, readonly exitCode: number = ExitCode.Usage) {
    super(message);
    this.name = 'UserError';
  }
}

/** One line for the user; an unexpected error says it is a bug. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message;
  if (err instanceof Error) return `internal error (a tfdoctor bug, please report it): ${err.message}`;
  return `internal error: ${String(err)}`;
}
