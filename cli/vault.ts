// `provision vault encrypt|decrypt|view|edit FILE`: vault files (engine/vault/vault.ts) on the command line.
// Files are rewritten atomically (a temp file beside them, then rename); an encrypted file is mode 0600.
// `edit` decrypts into a 0600 file in a private temp directory, runs $EDITOR, and re-encrypts only a change.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { vaultPasswordOption } from './args.ts';
import { EXIT, UserError } from '../engine/errors.ts';
import { decryptText, encryptLike, encryptText, isVault } from '../engine/vault/vault.ts';
import { configureVault, vaultPassword } from '../engine/vault/password.ts';
import { writeAtomic } from '../engine/atomic-file.ts';


type VaultFlags = { vaultPasswordFile?: string };

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.invalid);
  }
}

function mustBeVault(file: string, text: string): void {
  if (!isVault(text)) throw new UserError(`${file} is not a vault file (encrypt it with: provision vault encrypt ${file})`, EXIT.invalid);
}


function encrypt(file: string): void {
  const text = readText(file);
  if (isVault(text)) throw new UserError(`${file} is already a vault file`, EXIT.invalid);
  writeAtomic(file, encryptText(text, vaultPassword(file, { confirm: true })), 0o600);
  console.log(`encrypted ${file}`);
}

function decrypt(file: string): void {
  const text = readText(file);
  mustBeVault(file, text);
  const plain = decryptText(text, vaultPassword(file), file);
  writeAtomic(file, plain, statSync(file).mode & 0o7777);
  console.log(`decrypted ${file}`);
}

function view(file: string): void {
  const text = readText(file);
  mustBeVault(file, text);
  process.stdout.write(decryptText(text, vaultPassword(file), file));
}

/** A private directory for plaintext: in memory (/dev/shm) where there is one, else the temp directory. */
function privateDir(): string {
  for (const base of ['/dev/shm', tmpdir()]) {
    try {
      return mkdtempSync(join(base, 'provision-vault-'));
    } catch {
      // not there or not writable: the next
    }
  }
  throw new UserError('cannot make a private temp directory for the plaintext');
}

/** Runs $EDITOR (default vi) on a file, on this terminal; resolves to its exit code. */
function runEditor(path: string, cleanup: () => void): Promise<number> {
  const editor = process.env.EDITOR || 'vi';
  return new Promise((resolve, reject) => {
    // $EDITOR may hold arguments ("code -w"): run through sh, the file as "$1" (never spliced into the line).
    const child = spawn('sh', ['-c', `exec ${editor} "$1"`, 'sh', path], { stdio: 'inherit' });
    // Ctrl-C belongs to the editor; a TERM or HUP stops it and removes the plaintext before we go.
    const ignore = () => {};
    const stop = (sig: NodeJS.Signals) => {
      child.kill(sig);
      cleanup();
      process.exit(128 + (sig === 'SIGHUP' ? 1 : 15));
    };
    process.on('SIGINT', ignore);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', stop);
    const done = () => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', stop);
    };
    child.on('error', (err) => { done(); reject(err); });
    child.on('exit', (code, signal) => { done(); resolve(code ?? (signal ? 128 : 1)); });
  });
}

async function edit(file: string): Promise<void> {
  const text = readText(file);
  mustBeVault(file, text);
  const password = vaultPassword(file);
  const plain = decryptText(text, password, file);
  const dir = privateDir();
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', cleanup);
  try {
    const tmp = join(dir, basename(file));
    const fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, plain);
    closeSync(fd);
    const code = await runEditor(tmp, cleanup);
    if (code !== 0) throw new UserError(`the editor exited with code ${code}: ${file} is unchanged`);
    const edited = readFileSync(tmp, 'utf8');
    if (edited === plain) {
      console.log(`${file}: no change`);
      return;
    }
    writeAtomic(file, encryptLike(edited, password, text), 0o600);
    console.log(`encrypted ${file}`);
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}

export function registerVault(program: Command): void {
  const vault = program.command('vault')
    .description('encrypt, decrypt, view and edit vault files (AES-256-GCM, key by scrypt from a password; Ansible Vault files are read, and edited in their own format)');
  const sub = (name: string, description: string, run: (file: string) => void | Promise<void>) =>
    vault.command(name).description(description).argument('<file>', 'the file').addOption(vaultPasswordOption())
      .action(async (file: string, f: VaultFlags) => {
        configureVault({ passwordFile: f.vaultPasswordFile });
        await run(file);
      });
  sub('encrypt', 'encrypt a file in place (mode 0600); on a prompt the password is asked twice', encrypt);
  sub('decrypt', 'decrypt a vault file in place', decrypt);
  sub('view', 'print the plaintext of a vault file', view);
  sub('edit', 'edit a vault file with $EDITOR (default vi): decrypted to a private temp file, re-encrypted if changed', edit);
}
