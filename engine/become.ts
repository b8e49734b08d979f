// Become: which user a task runs as, and the one way a command line is made to run as that user (sudo,
// non-interactive, the user's HOME, the user name quoted; with ansible_become_password, the password on the first
// line of stdin, given to sudo only if it asks). Steps, step batches and fact batches all go through it.
import { shq } from './shell.ts';
import type { PlayDef, TaskDef } from './playbook/types.ts';
import type { Stdin } from './transport/ssh.ts';

/** The user to become, or undefined: run as the connecting user; `password` is sudo's (ansible_become_password). */
export type Become = { user: string; password?: string } | undefined;

/** The run's own setting (-b, ansible_become), who connects, and whom become means (ansible_become_user). */
export type BecomeSettings = { become?: boolean; connUser: string; becomeUser: string;
  /** ansible_become_user is set for the host: as in Ansible, a connection variable wins over become_user keywords. */
  becomeUserFixed?: boolean;
  /** The host's ansible_become_password (ansible_become_pass, ansible_sudo_pass): given to sudo when it asks for one. */
  becomePassword?: string };

/**
 * A task's become: the task's, else its play's, else the run's; whom: the host's ansible_become_user if set, else
 * the task's become_user (or its block's, role's, play's), else root; none when that is the connecting user.
 */
export function becomeFor(play: PlayDef, task: TaskDef | undefined, s: BecomeSettings): Become {
  const on = task?.become ?? play.become ?? s.become ?? false;
  const user = s.becomeUserFixed ? s.becomeUser : task?.becomeUser ?? play.becomeUser ?? s.becomeUser;
  if (!on || user === s.connUser) return undefined;
  return s.becomePassword === undefined ? { user } : { user, password: s.becomePassword };
}

const sudo = (user: string) => `sudo -n -H -u ${shq(user)} --`;

/**
 * With a password, the remote shell reads it from the first line of stdin (a shell builtin: never on a command
 * line, never in `ps`) and gives it to sudo only when sudo wants one: a NOPASSWD rule (`sudo -n` succeeds) never
 * sees it, so it can never be read as part of the script. It is tried once, alone (a wrong one fails at once
 * instead of sudo reading the script's lines as further attempts), then given again before the rest of stdin.
 * `-k` makes sudo ask whatever credentials it cached, and cache none.
 */
function withPassword(inner: string, user: string): string {
  const u = shq(user);
  const asked = `sudo -k -S -p '' -H -u ${u} --`;
  const script = [
    'IFS= read -r p || exit 1',
    `if sudo -n -H -u ${u} -- true 2>/dev/null; then sudo -n -H -u ${u} -- sh -c "$1"`,
    `elif printf '%s\\n' "$p" | ${asked} true 2>/dev/null; then { printf '%s\\n' "$p"; cat; } | ${asked} sh -c "$1"`,
    `else echo 'sudo: the become password (ansible_become_password) was refused' >&2; exit 1; fi`,
  ].join('\n');
  return `sh -c ${shq(script)} sh ${shq(inner)}`;
}

/** The password's line, ahead of what the command reads. */
function withPasswordLine(password: string, stdin: Stdin | undefined): Buffer[] {
  const line = Buffer.from(`${password}\n`, 'utf8');
  if (stdin === undefined) return [line];
  return [line, ...(Array.isArray(stdin) ? stdin : [Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin, 'utf8')])];
}

/** The command line and stdin that run the command line `cmd` (reading `stdin`) as the become user, or as is. */
export function asUser<S extends Stdin | undefined>(cmd: string, become: Become, stdin: S): { command: string; stdin: S | Buffer[] } {
  if (!become) return { command: cmd, stdin };
  if (become.password === undefined) return { command: `${sudo(become.user)} sh -c ${shq(cmd)}`, stdin };
  return { command: withPassword(cmd, become.user), stdin: withPasswordLine(become.password, stdin) };
}

/** The command line and stdin that run `script` (fed on stdin) as the become user, or as is. */
export function scriptAs(become: Become, script: string): { command: string; stdin: Stdin } {
  if (!become) return { command: 'sh -s', stdin: script };
  if (become.password === undefined) return { command: `${sudo(become.user)} sh -s`, stdin: script };
  return { command: withPassword('sh -s', become.user), stdin: withPasswordLine(become.password, script) };
}
