// Things tests build on this machine, offline, and put on lab hosts: wheels of the tiny pip package in
// test/fixtures/pip/pp-hello (Debian's pip, setuptools and wheel; no index is ever asked), and a throwaway GnuPG
// key (its own GNUPGHOME, its agent stopped after).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Wheels of test/fixtures/pip/pp-hello at each version, in one directory (its path). */
export function buildWheels(versions = ['1.0', '1.1']): string {
  const dir = mkdtempSync(join(tmpdir(), 'provision-pp-'));
  for (const version of versions) {
    const src = join(dir, `src-${version}`);
    cpSync('test/fixtures/pip/pp-hello', src, { recursive: true });
    const toml = join(src, 'pyproject.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('version = "1.0"', `version = "${version}"`));
    execFileSync('/usr/bin/python3', ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-q', '-w', join(dir, 'wheels'), src], { cwd: dir });
  }
  return join(dir, 'wheels');
}

/** An ed25519 signing key made by gpg in a directory of its own: its armored public key and its long id. */
export function gpgKey(uid: string): { armored: string; id: string } {
  const home = mkdtempSync(join(tmpdir(), 'provision-gpg-'));
  const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    gpg('--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never');
    const armored = gpg('--armor', '--export', uid);
    const id = /^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):/m.exec(gpg('--with-colons', '--list-keys', uid))![1];
    return { armored, id };
  } finally {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
  }
}
