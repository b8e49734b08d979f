// Become: which user a task runs as, and the one way a command line is made to run as that user (sudo,
// non-interactive, the user's HOME, the user name quoted). Steps, step batches and fact batches all go through it.
import { shq } from './shell.ts';
import type { PlayDef, TaskDef } from './playbook/types.ts';

/** The user to become, or undefined: run as the connecting user. */
export type Become = { user: string } | undefined;

/** The run's own setting (-b, ansible_become), who connects, and whom become means (ansible_become_user). */
export type BecomeSettings = { become?: boolean; connUser: string; becomeUser: string;
  /** ansible_become_user is set for the host: as in Ansible, a connection variable wins over become_user keywords. */
  becomeUserFixed?: boolean };

/**
 * A task's become: the task's, else its play's, else the run's; whom: the host's ansible_become_user if set, else
 * the task's become_user (or its block's, role's, play's), else root; none when that is the connecting user.
 */
export function becomeFor(play: PlayDef, task: TaskDef | undefined, s: BecomeSettings): Become {
  const on = task?.become ?? play.become ?? s.become ?? false;
  const user = s.becomeUserFixed ? s.becomeUser : task?.becomeUser ?? play.becomeUser ?? s.becomeUser;
  return on && user !== s.connUser ? { user } : undefined;
}

const sudo = (b: NonNullable<Become>) => `sudo -n -H -u ${shq(b.user)} --`;

/** Runs the command line `cmd` as the become user, or as is. */
export function asUser(cmd: string, become: Become): string {
  return become ? `${sudo(become)} sh -c ${shq(cmd)}` : cmd;
}

/** The command that runs a script read from stdin, as the become user or as is. */
export function scriptAs(become: Become): string {
  return become ? `${sudo(become)} sh -s` : 'sh -s';
}
