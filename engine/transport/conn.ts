// What a host's run needs of a connection: run a command line, with stdin, and get its exit code and output; and
// whether the host is gone (never reached, or lost during the run), so a task's exec is reported unreachable.
import type { Stdin } from './ssh.ts';

export type Conn = {
  exec(command: string, o?: { stdin?: Stdin }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Why the host cannot be reached any more (set once it was lost, or from the start when it never was). */
  readonly lost?: string;
};

/** A task needed the host and it could not be reached: the task is unreachable (its ignore_unreachable may let the host go on). */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

/** A host that could not be reached: tasks that need nothing of it still run (debug, set_fact), as in Ansible; every exec is unreachable. */
export const downConn = (why: string): Conn => ({ lost: why, exec: () => Promise.reject(new UnreachableError(why)) });
