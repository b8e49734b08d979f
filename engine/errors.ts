// Errors the CLI reports as one clear line, with the exit code that goes with them.

/** Exit codes of every provision command. */
export const EXIT = { ok: 0, failed: 1, changed: 2, invalid: 4 } as const;

/** A problem the user can act on: printed as one line, no stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
    this.name = 'UserError';
  }
}
