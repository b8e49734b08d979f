// Steps -> shell command lines. The only place argv becomes a command line (quoted by shq).
import { type Become, asUser } from './become.ts';
import type { Stdin } from './transport/ssh.ts';
import type { Step } from './module.ts';
import { shJoin, shq } from './shell.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The command with its environment as shell assignments (`K='v' cmd`, not `env K=v cmd`: env would take a
 * program named `X=1` for one more assignment) and its working directory.
 */
function wrap(cmd: string, cwd?: string, env?: Record<string, string>): string {
  const bad = Object.keys(env ?? {}).find((k) => !ENV_NAME.test(k));
  if (bad !== undefined) throw new Error(`an environment variable name must be letters, digits and _, not starting with a digit: ${JSON.stringify(bad)}`);
  const withEnv = env && Object.keys(env).length ? `${Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`).join(' ')} ${cmd}` : cmd;
  return cwd ? `cd ${shq(cwd)} && ${withEnv}` : withEnv;
}

/** The atomic write: temp file beside the target, attributes, validation, optional backup, rename. */
function writeScript(w: Extract<Step, { write: unknown }>['write']): string {
  const p = shq(w.path);
  const lines = [
    'set -e',
    `tmp=$(mktemp ${shq(`${w.path}.provision-XXXXXX`)})`,
    `trap 'rm -f "$tmp"' EXIT`,
    // dash runs no EXIT trap for a signal it does not trap: a dropped session's SIGPIPE or SIGHUP would leave $tmp.
    "trap 'exit 129' HUP INT TERM PIPE",
    'cat > "$tmp"',
    // Input cut short (the connection dropped, the controller was stopped) ends cat as if complete: the size tells.
    `[ "$(wc -c < "$tmp")" -eq ${Buffer.byteLength(w.content)} ] || { echo "the content of ${w.path.replace(/[^\w./@+:-]/g, '?')} arrived cut short: left as it was" >&2; exit 4; }`,
    `if [ -e ${p} ]; then chown --reference=${p} "$tmp"; chmod --reference=${p} "$tmp"; else chmod 0644 "$tmp"; fi`,
  ];
  if (w.owner || w.group) lines.push(`chown ${shq(`${w.owner ?? ''}${w.group ? `:${w.group}` : ''}`)} "$tmp"`);
  if (w.mode) lines.push(`chmod ${shq(w.mode)} "$tmp"`);
  if (w.validate) {
    const check = w.validate.replaceAll('%s', '"$tmp"');
    // The command text reaches the message through a variable: never evaluated a second time.
    lines.push(`v=${shq(w.validate)}`, `if ! out=$(${check} 2>&1); then echo "validation failed: $v: $out" >&2; exit 3; fi`);
  }
  // Named as Ansible's backup_local names it, PATH.PID.YYYY-MM-DD@HH:MM:SS~ (local time); mode, owner and times kept.
  if (w.backup) lines.push(`if [ -f ${p} ]; then cp -p ${p} ${p}.$$.$(date +%Y-%m-%d@%H:%M:%S~); fi`);
  // -T: a directory at the path is an error, not a place to move the file into.
  lines.push(`mv -fT "$tmp" ${p}`, 'trap - EXIT');
  return lines.join('\n');
}

/**
 * A NUL byte cannot cross a command line (sshd and execve end the string there): an argument holding one is
 * refused, so that what runs is never a shortened command. File content travels on stdin, where NULs are fine.
 */
function refuseNul(step: Step): void {
  const words = 'exec' in step ? [...step.exec, ...Object.entries(step.env ?? {}).flat(), step.cwd ?? '']
    : 'shell' in step ? [step.shell, ...Object.entries(step.env ?? {}).flat(), step.cwd ?? '']
      : [step.write.path, step.write.mode ?? '', step.write.owner ?? '', step.write.group ?? '', step.write.validate ?? ''];
  const bad = words.find((w) => w.includes('\0'));
  if (bad !== undefined) throw new Error(`an argument holds a NUL byte, which no command line can carry: ${JSON.stringify(bad.slice(0, 60))}`);
}

/** The command line (as the connecting user runs it, before become) and stdin of one step. */
export function innerCommand(step: Step): { command: string; stdin?: string | Buffer; okCodes: number[]; label: string } {
  refuseNul(step);
  if ('exec' in step) return { command: wrap(shJoin(step.exec), step.cwd, step.env), stdin: step.stdin, okCodes: step.okCodes ?? [0], label: step.exec.join(' ') };
  if ('shell' in step) return { command: wrap(`sh -c ${shq(step.shell)}`, step.cwd, step.env), okCodes: [0], label: step.shell };
  return { command: `sh -c ${shq(writeScript(step.write))}`, stdin: step.write.content, okCodes: [0], label: `write ${step.write.path}` };
}

/** The command line and stdin that carry out one step. */
export function stepCommand(step: Step, become: Become): { command: string; stdin?: Stdin; okCodes: number[]; label: string } {
  const c = innerCommand(step);
  return { ...c, ...asUser(c.command, become, c.stdin) };
}
