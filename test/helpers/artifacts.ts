// Things tests build on this machine, offline, and put on lab hosts: wheels of the tiny pip package in
// test/fixtures/pip/pp-hello (Debian's pip, setuptools and wheel; no index is ever asked), a throwaway GnuPG
// key (its own GNUPGHOME, its agent stopped after), and one small tree as tar, tar.gz, tar.xz and zip archives.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * A directory holding app.tar, app.tar.gz, app.tar.xz and app.zip of one tree (app/bin/run.sh 0755, app/conf/a.conf
 * 0644, app/README 0600; owned by root in the tars), and that tree itself under tree/.
 */
export function sampleArchives(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'app', 'bin'), { recursive: true });
  mkdirSync(join(tree, 'app', 'conf'));
  writeFileSync(join(tree, 'app', 'bin', 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  writeFileSync(join(tree, 'app', 'conf', 'a.conf'), 'key = 1\n', { mode: 0o644 });
  writeFileSync(join(tree, 'app', 'README'), 'read me\n', { mode: 0o600 });
  for (const [ext, flag] of Object.entries({ 'tar.gz': '-czf', 'tar.xz': '-cJf', tar: '-cf' })) {
    execFileSync('tar', [flag, join(dir, `app.${ext}`), '--owner=0', '--group=0', '-C', tree, 'app']);
  }
  execFileSync('python3', ['-c', 'import os,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nfor r,ds,fs in os.walk("app"):\n  z.write(r)\n  for f in fs: z.write(os.path.join(r,f))\nz.close()',
    join(dir, 'app.zip')], { cwd: tree });
  return dir;
}
