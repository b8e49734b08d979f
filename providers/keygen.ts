// New SSH key pairs, made by OpenSSH's own ssh-keygen. (ssh2's keygen drops a leading zero byte of an
// ed25519 public key, 6 of 3,000 in a trial: the private key it writes is then malformed.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../engine/errors.ts';

/** An ed25519 key pair: the private key in OpenSSH format, the public key as `ssh-ed25519 BASE64` (no comment). */
export function ed25519KeyPair(comment = ''): { privateKey: string; publicKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'provision-key-'));
  try {
    const file = join(dir, 'key');
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      throw new UserError(e.code === 'ENOENT' ? 'ssh-keygen is needed to make host keys: apt-get install -y openssh-client'
        : `ssh-keygen failed: ${e.stderr?.toString().trim() ?? e.message}`);
    }
    return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
