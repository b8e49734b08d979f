// Where the vault password comes from, in this order: --vault-password-file FILE (its first line; an executable
// file is run, its output the password, as in Ansible), the PROVISION_VAULT_PASSWORD environment variable, else a
// prompt on the terminal with echo off. Asked for at most once per process (a run), and only when a vault file
// (or a `!vault` value) is met; vault files are decrypted in memory.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { EXIT, UserError } from '../errors.ts';
import { askOnTerminal } from '../terminal-prompt.ts';
import { decryptText, isVault } from './vault.ts';

export const PASSWORD_ENV = 'PROVISION_VAULT_PASSWORD';

export type VaultSource = {
  /** --vault-password-file: the password is its first line. */
  passwordFile?: string;
  /** The password itself (library use, tests). */
  password?: string;
  /** Where a warning goes (a password file others can read). Default: stderr. */
  warn?: (message: string) => void;
};

let source: VaultSource = {};
let cached: string | undefined;

/** Sets where this process's vault password comes from; forgets a password already read. */
export function configureVault(s: VaultSource = {}): void {
  source = s;
  cached = undefined;
}

/**
 * The first line of a password file; a file that group or others may read is warned about. An executable file is
 * run, as Ansible runs one (a script asking a password store): its output, less the line breaks at its end.
 */
export function readPasswordFile(path: string, warn: (m: string) => void = (m) => process.stderr.write(`provision: warning: ${m}\n`)): string {
  let text: string;
  try {
    const st = statSync(path);
    if (st.isFile() && (st.mode & 0o111) !== 0) return runPasswordScript(path);
    if (st.isFile() && (st.mode & 0o077) !== 0) {
      warn(`vault password file ${path} can be read by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${path}`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`--vault-password-file ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.invalid);
  }
  const line = text.split('\n')[0].replace(/\r$/, '');
  if (!line) throw new UserError(`--vault-password-file ${path}: its first line is empty`, EXIT.invalid);
  return line;
}

/** An executable password file's output; its own errors (stderr) go to the user's terminal, never into a message. */
function runPasswordScript(path: string): string {
  const r = spawnSync(path, [], { stdio: ['inherit', 'pipe', 'inherit'], encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new UserError(`--vault-password-file ${path}: cannot run it: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`, EXIT.invalid);
  if (r.status !== 0) throw new UserError(`--vault-password-file ${path}: the script exited ${r.status ?? r.signal}`, EXIT.invalid);
  const out = r.stdout.replace(/[\r\n]+$/, '');
  if (!out) throw new UserError(`--vault-password-file ${path}: the script printed no password`, EXIT.invalid);
  return out;
}

/** Asks on the controlling terminal with echo off; no terminal is a UserError saying how to give the password. */
export function promptPassword(question: string, why: string): string {
  const r = askOnTerminal(question);
  if ('answer' in r) {
    if (!r.answer) throw new UserError(`${why}: the vault password is empty`, EXIT.invalid);
    return r.answer;
  }
  if (r.none === 'no terminal') {
    throw new UserError(`${why} needs the vault password, and there is no terminal to ask it on: `
      + `give --vault-password-file FILE or set ${PASSWORD_ENV}`, EXIT.invalid);
  }
  if (r.none === 'interrupted') throw new UserError('vault password prompt interrupted', EXIT.failed);
  throw new UserError(`${why}: no vault password given`, EXIT.invalid);
}

/**
 * The vault password, from the first source that has one; read once per process. `why` says what needs
 * it (a file name) in the prompt and in errors; `confirm` (encrypting) asks twice on a prompt.
 */
export function vaultPassword(why: string, o: { confirm?: boolean } = {}): string {
  if (cached !== undefined) return cached;
  if (source.password) cached = source.password;
  else if (source.passwordFile) cached = readPasswordFile(source.passwordFile, source.warn);
  else if (process.env[PASSWORD_ENV]) cached = process.env[PASSWORD_ENV]!;
  else if (o.confirm) {
    const first = promptPassword(`New vault password (for ${why}): `, why);
    if (promptPassword('Confirm new vault password: ', why) !== first) throw new UserError('the vault passwords do not match', EXIT.invalid);
    cached = first;
  } else cached = promptPassword(`Vault password (for ${why}): `, why);
  return cached;
}

/** A file's text as read; a vault file decrypted in memory with the run's password. `file` names it in errors. */
export function unvault(text: string, file: string): { text: string; vault: boolean } {
  if (!isVault(text)) return { text, vault: false };
  return { text: decryptText(text, vaultPassword(file), file), vault: true };
}
