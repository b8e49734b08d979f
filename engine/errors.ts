// Errors the CLI reports as one clear line, with the exit code that goes with them; places in files they name.

/** Exit codes of every provision command. */
export const EXIT = { ok: 0, failed: 1, changed: 2, invalid: 4 } as const;

/** A problem the user can act on: printed as one line, no stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
    this.name = 'UserError';
  }
}

/** A place in a file, 1-based; line 0 when unknown. */
export type Where = { file: string; line: number; col: number };
/** A problem of the user's input, at its place. */
export type Problem = { where: Where; message: string };
export const formatProblem = (p: Problem) => `${p.where.file}:${p.where.line}:${p.where.col}: ${p.message}`;
