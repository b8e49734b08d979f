// The user module's generate_ssh_key: the key pair's files as a fact (with ssh-keygen -l's fingerprint and the
// public key, what Ansible registers), and the change making a pair that is not there, as Ansible's ssh_key_gen:
// the key's directory made 0700 for the user if missing, ssh-keygen run (here as the user, so it writes nothing the
// user could not), an existing private or public file left alone (Ansible's `force` is not supported).
import { type Change, type Effect, type FactDef, type Step } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { fileContentFact, fileFact, parentDir } from '../../facts/files.ts';
import { homeFactPrefix } from '../../facts/accounts.ts';

export type KeyArgs = {
  name: string;
  home?: string;
  ssh_key_bits?: number;
  ssh_key_type?: string;
  ssh_key_file?: string;
  ssh_key_comment?: string;
  ssh_key_passphrase?: string;
};

/** The pair's files: the private key's path, whether its directory, it and its .pub exist, what Ansible registers. */
export type KeyState = {
  path: string; home: boolean; dir: boolean; priv: boolean; pub: boolean; host: string;
  /** Whether the directory above the key's directory exists (Ansible makes only the last one). */
  parent: boolean;
  /** ssh-keygen -l -f's output (stdout, or stderr when it failed), and the .pub's text (trimmed; null when unreadable). */
  fingerprint?: string; publicKey?: string | null;
};

/** The key file as the arguments name it: relative ones are in the user's home (Ansible's default .ssh/id_TYPE). */
export const keyFileArg = (a: KeyArgs) => a.ssh_key_file ?? `.ssh/id_${a.ssh_key_type ?? 'rsa'}`;

/**
 * Prints the fingerprint and the public key of the key file "$k" (base64, one line each; '-' for a .pub not
 * readable), as Ansible's ssh_key_fingerprint and get_ssh_public_key read them.
 */
const REPORT = `f=$(ssh-keygen -l -f "$k" 2>&1); printf '%s' "$f" | base64 -w0; echo; ` +
  `if [ -r "$k.pub" ]; then base64 -w0 < "$k.pub"; echo; else echo -; fi`;

/** Decodes what REPORT printed. */
export function parseReport(lines: string[]): { fingerprint: string; publicKey: string | null } {
  const b = (s = '') => Buffer.from(s, 'base64').toString('utf8').trim();
  return { fingerprint: b(lines[0]), publicKey: lines[1] === '-' || lines[1] === undefined ? null : b(lines[1]) };
}

/**
 * The pair's files. A relative key file is in the home the task gives, else the user's home now (/home/NAME for a
 * user not yet there, as useradd makes it); keyed under the user's home facts, which creating, moving or
 * renumbering the user makes unknown.
 */
export function keyFact(a: KeyArgs): FactDef<KeyState> {
  const file = keyFileArg(a);
  const rel = !file.startsWith('/');
  const home = rel ? (a.home !== undefined ? shq(a.home) : `"$(getent passwd ${shq(a.name)} | cut -d: -f6)"`) : '/';
  return {
    key: `${homeFactPrefix(a.name)}sshkey:${rel ? `${a.home ?? '~'}/` : ''}${file}`,
    script: [
      `h=${home}; [ -n "$h" ] || h=${shq(`/home/${a.name}`)};`,
      rel ? `k="$h"/${shq(file)};` : `k=${shq(file)};`,
      `d=$(dirname -- "$k"); t() { if [ "$1" "$2" ]; then printf 1; else printf 0; fi; };`,
      `echo "$(t -d "$h")$(t -e "$d")$(t -e "$k")$(t -e "$k.pub")$(t -d "$(dirname -- "$d")")"; printf '%s\\n' "$k"; uname -n;`,
      `if [ -e "$k" ]; then ${REPORT}; fi`,
    ].join(' '),
    parse(out) {
      const [flags = '00000', path = '', host = '', ...rest] = out.split('\n');
      const s: KeyState = { path, home: flags[0] === '1', dir: flags[1] === '1', priv: flags[2] === '1', pub: flags[3] === '1', parent: flags[4] === '1', host };
      return s.priv ? { ...s, ...parseReport(rest) } : s;
    },
    dependsOn: rel ? undefined : [fileFact(file).key, fileFact(`${file}.pub`).key, fileFact(parentDir(file)).key],
  };
}

/**
 * The step that prints the user's passwd entry and (with a key path) what REPORT prints of the key: last of a
 * changed task, for what it registers.
 */
export const reportStep = (name: string, path?: string): Step =>
  ({ exec: ['sh', '-c', `getent passwd "$1"; k=$2; if [ -n "$k" ]; then ${REPORT}; fi`, 'sh', name, path ?? ''] });

/** Ansible's ssh_key_gen, a python3 pty typing the passphrase (read from stdin) at ssh-keygen's two prompts. */
const TYPE_PASSPHRASE = [
  'import os, pty, sys',
  'pw = sys.stdin.buffer.read()',
  'pid, fd = pty.fork()',
  'if pid == 0:',
  '    os.execvp(sys.argv[1], sys.argv[1:])',
  'prompts, buf, typed = [b"Enter passphrase", b"Enter same passphrase"], b"", 0',
  'while True:',
  '    try:',
  '        d = os.read(fd, 4096)',
  '    except OSError:',
  '        break',
  '    if not d:',
  '        break',
  '    buf += d',
  '    if b"(y/n)" in buf:',
  '        os.kill(pid, 9)',
  '        os.waitpid(pid, 0)',
  '        sys.exit("the key file appeared meanwhile: not overwritten")',
  '    if typed < 2 and prompts[typed] in buf:',
  '        os.write(fd, pw + b"\\r")',
  '        buf, typed = b"", typed + 1',
  'sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))',
].join('\n');

/**
 * The change that makes the pair, or none when its private or public file is there (Ansible warns and skips).
 * `willHaveHome`: this task makes the home (useradd -m, usermod -m), so its absence now is no error.
 */
export function keyChange(a: KeyArgs, k: KeyState, o: { willHaveHome: boolean }): Change | undefined {
  if (k.priv || k.pub) return undefined;
  const file = keyFileArg(a);
  const rel = !file.startsWith('/');
  const home = rel ? k.path.slice(0, -file.length - 1) : undefined;
  if (rel && !k.home && !o.willHaveHome) {
    throw new Error(`user ${a.name}: generate_ssh_key: the home directory ${home} does not exist (provision does not make a missing home of an existing user)`);
  }
  const dir = parentDir(k.path);
  // Ansible makes the key's directory alone (os.mkdir), and fails when the one above it is missing too.
  if (!k.dir && !k.parent && !(o.willHaveHome && parentDir(dir) === home)) {
    throw new Error(`user ${a.name}: generate_ssh_key: cannot make ${dir}: ${parentDir(dir)} does not exist`);
  }
  const steps: Step[] = [];
  if (!k.dir) steps.push({ exec: ['mkdir', '-m', '0700', '--', dir] }, { exec: ['chown', '--', `${a.name}:`, dir] });
  const comment = a.ssh_key_comment ?? `ansible-generated on ${k.host}`;
  const keygen = ['ssh-keygen', '-t', a.ssh_key_type ?? 'rsa', ...((a.ssh_key_bits ?? 0) > 0 ? ['-b', String(a.ssh_key_bits)] : []), '-C', comment, '-f', k.path];
  steps.push(a.ssh_key_passphrase === undefined
    ? { exec: ['runuser', '-u', a.name, '--', ...keygen, '-N', ''] }
    : { exec: ['runuser', '-u', a.name, '--', 'python3', '-c', TYPE_PASSPHRASE, ...keygen], stdin: a.ssh_key_passphrase });
  const effects: Effect[] = [
    { key: keyFact(a).key, value: { ...k, dir: true, priv: true, pub: true, fingerprint: undefined, publicKey: undefined } },
    ...[k.path, `${k.path}.pub`].flatMap((p): Effect[] => [{ key: fileFact(p).key, unknown: true }, { key: fileContentFact(p).key, unknown: true }]),
    ...(k.dir ? [] : [{ key: fileFact(dir).key, unknown: true } as const]),
  ];
  return { summary: `ssh key of ${a.name}: ${a.ssh_key_type ?? 'rsa'} ${k.path}${a.ssh_key_passphrase === undefined ? '' : ' (with a passphrase)'}`, steps, effects };
}
