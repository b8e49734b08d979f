// Vault files: a whole file's text encrypted with AES-256-GCM under a key scrypt derives from a password.
// The format is text, so an encrypted file diffs and merges like any other:
//
//   $PROVISION_VAULT;1;AES256GCM;scrypt
//   base64 of salt (16 bytes) | IV (12) | GCM tag (16) | ciphertext, wrapped at 76 columns
//
// A fresh salt and IV for every encryption; the header is authenticated too (GCM additional data).
// A wrong password and a changed byte fail the same way: the tag does not match, and no plaintext is returned.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { EXIT, UserError } from '../errors.ts';

export const VAULT_HEADER = '$PROVISION_VAULT;1;AES256GCM;scrypt';
const MAGIC = '$PROVISION_VAULT;';
const SALT = 16;
const IV = 12;
const TAG = 16;
const WRAP = 76;
/** scrypt N=2^15, r=8, p=1: about 32 MiB and ~0.1 s per key; maxmem above Node's 32 MiB default, which that exactly hits. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

const firstLine = (text: string) => text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')).replace(/\r$/, '');

/** True when the text is a vault file (its first line is a vault header, of this version or another). */
export function isVault(text: string | Buffer): boolean {
  const head = typeof text === 'string' ? text.slice(0, 200) : text.subarray(0, 200).toString('latin1');
  return firstLine(head.replace(/^\uFEFF/, '')).startsWith(MAGIC);
}

function deriveKey(password: string, salt: Buffer): Buffer {
  if (!password) throw new UserError('the vault password is empty', EXIT.invalid);
  return scryptSync(password.normalize('NFC'), salt, 32, SCRYPT);
}

/** The vault text of a plaintext: header, then base64 lines, ending with a newline. */
export function encryptText(plain: string, password: string): string {
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(password, salt), iv, { authTagLength: TAG });
  cipher.setAAD(Buffer.from(VAULT_HEADER));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const b64 = Buffer.concat([salt, iv, cipher.getAuthTag(), ct]).toString('base64');
  const lines = [VAULT_HEADER];
  for (let i = 0; i < b64.length; i += WRAP) lines.push(b64.slice(i, i + WRAP));
  return `${lines.join('\n')}\n`;
}

/**
 * The plaintext of a vault text. `file` names it in errors: a wrong password or a changed file is one
 * UserError "FILE: cannot decrypt: ..."; nothing of the plaintext is returned or shown then.
 */
export function decryptText(text: string, password: string, file: string): string {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, '').trim());
  const bad = (why: string) => new UserError(`${file}: ${why}`, EXIT.invalid);
  if (!lines[0].startsWith(MAGIC)) throw bad(`not a vault file (its first line is not ${VAULT_HEADER})`);
  if (lines[0] !== VAULT_HEADER) throw bad(`vault format "${lines[0]}" is not supported (this provision reads ${VAULT_HEADER})`);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const body = lines.slice(1);
  const wrong = body.findIndex((l) => !/^[A-Za-z0-9+/]+={0,2}$/.test(l));
  if (wrong !== -1) throw bad(`line ${wrong + 2} is not vault data (base64): the file is damaged`);
  const blob = Buffer.from(body.join(''), 'base64');
  if (blob.length < SALT + IV + TAG) throw bad('the vault data is truncated');
  const salt = blob.subarray(0, SALT);
  const iv = blob.subarray(SALT, SALT + IV);
  const tag = blob.subarray(SALT + IV, SALT + IV + TAG);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(password, salt), iv, { authTagLength: TAG });
  decipher.setAAD(Buffer.from(VAULT_HEADER));
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    // GCM's update() yields unauthenticated bytes: they are used only once final() has checked the tag.
    plain = Buffer.concat([decipher.update(blob.subarray(SALT + IV + TAG)), decipher.final()]);
  } catch {
    throw bad('cannot decrypt: wrong vault password, or the file was changed after it was encrypted');
  }
  return plain.toString('utf8');
}
