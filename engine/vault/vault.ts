// Vault files: a whole file's text encrypted with AES-256-GCM under a key scrypt derives from a password.
// The format is text, so an encrypted file diffs and merges like any other:
//
//   $PROVISION_VAULT;1;AES256GCM;scrypt;N=2^17,r=8,p=1
//   base64 of salt (16 bytes) | IV (12) | GCM tag (16) | ciphertext, wrapped at 76 columns
//
// The header names scrypt's parameters; a header without them (files written before they were named) means
// N=2^15, r=8, p=1. A fresh salt and IV for every encryption; the header is authenticated too (GCM additional data).
// A wrong password and a changed byte fail the same way: the tag does not match, and no plaintext is returned.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { EXIT, UserError } from '../errors.ts';
import { decryptAnsible, encryptAnsible, isAnsibleVault } from './ansible-format.ts';

/** scrypt's cost: N = 2^log2N (memory 128·N·r bytes: 128 MiB at 2^17, about 0.4 s per key), r, p. */
type Scrypt = { log2N: number; r: number; p: number };
/** What a file written today uses. */
const CURRENT: Scrypt = { log2N: 17, r: 8, p: 1 };
/** What a header without parameters means: the first files, written with N=2^15. */
const FIRST: Scrypt = { log2N: 15, r: 8, p: 1 };
const BASE = '$PROVISION_VAULT;1;AES256GCM;scrypt';
const headerOf = (k: Scrypt) => `${BASE};N=2^${k.log2N},r=${k.r},p=${k.p}`;
export const VAULT_HEADER = headerOf(CURRENT);
const MAGIC = '$PROVISION_VAULT;';
const SALT = 16;
const IV = 12;
const TAG = 16;
const WRAP = 76;

const firstLine = (text: string) => text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')).replace(/\r$/, '');

/** True when the text is a vault file: provision's (of this version or another), or Ansible Vault's. */
export function isVault(text: string | Buffer): boolean {
  const head = typeof text === 'string' ? text.slice(0, 200) : text.subarray(0, 200).toString('latin1');
  return firstLine(head.replace(/^\uFEFF/, '')).startsWith(MAGIC) || isAnsibleVault(firstLine(head));
}

function deriveKey(password: string, salt: Buffer, k: Scrypt): Buffer {
  if (!password) throw new UserError('the vault password is empty', EXIT.invalid);
  const N = 2 ** k.log2N;
  // maxmem above what scrypt needs (128·N·r·p), which Node's 32 MiB default would refuse.
  return scryptSync(password.normalize('NFC'), salt, 32, { N, r: k.r, p: k.p, maxmem: 128 * N * k.r * k.p + 32 * 1024 * 1024 });
}

/** The scrypt parameters a header names, within bounds a hostile file cannot use to exhaust memory or time. */
function parseHeader(line: string): Scrypt | undefined {
  if (line === BASE) return FIRST;
  const m = /^\$PROVISION_VAULT;1;AES256GCM;scrypt;N=2\^(\d{1,2}),r=(\d{1,2}),p=(\d)$/.exec(line);
  if (!m) return undefined;
  const k = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  return k.log2N >= 14 && k.log2N <= 20 && k.r >= 1 && k.r <= 16 && k.p >= 1 && k.p <= 4 && 128 * 2 ** k.log2N * k.r * k.p <= 2 ** 30 ? k : undefined;
}

/** `plain` encrypted in the format of the vault text `like` (an edited file keeps its format: Ansible's stays Ansible's). */
export function encryptLike(plain: string, password: string, like: string): string {
  return isAnsibleVault(like) ? encryptAnsible(plain, password) : encryptText(plain, password);
}

/** The vault text of a plaintext: header, then base64 lines, ending with a newline. */
export function encryptText(plain: string, password: string): string {
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(password, salt, CURRENT), iv, { authTagLength: TAG });
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
  if (isAnsibleVault(text)) return decryptAnsible(text, password, file);
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, '').trim());
  const bad = (why: string) => new UserError(`${file}: ${why}`, EXIT.invalid);
  if (!lines[0].startsWith(MAGIC)) throw bad(`not a vault file (its first line is not ${VAULT_HEADER})`);
  const k = parseHeader(lines[0]);
  if (!k) throw bad(`vault format "${lines[0]}" is not supported (this provision reads ${BASE}, with scrypt N=2^14..2^20, r 1..16, p 1..4, at most 1 GiB)`);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const body = lines.slice(1);
  const wrong = body.findIndex((l) => !/^[A-Za-z0-9+/]+={0,2}$/.test(l));
  if (wrong !== -1) throw bad(`line ${wrong + 2} is not vault data (base64): the file is damaged`);
  const blob = Buffer.from(body.join(''), 'base64');
  if (blob.length < SALT + IV + TAG) throw bad('the vault data is truncated');
  const salt = blob.subarray(0, SALT);
  const iv = blob.subarray(SALT, SALT + IV);
  const tag = blob.subarray(SALT + IV, SALT + IV + TAG);
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(password, salt, k), iv, { authTagLength: TAG });
  decipher.setAAD(Buffer.from(lines[0]));
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
