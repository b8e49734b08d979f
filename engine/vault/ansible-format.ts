// Ansible Vault's own format, so a project's files encrypted with `ansible-vault` (whole files, and `!vault`
// values inside YAML) are read unchanged: `$ANSIBLE_VAULT;1.1;AES256` or `1.2;AES256;LABEL`, then hex of
// salt / HMAC-SHA256 / AES-256-CTR ciphertext, keys from PBKDF2-SHA256 (10000 rounds). The cipher is done by the
// ansible-vault package (MIT, no dependencies, written against Ansible's own vectors): a crypto format is better
// taken from a maintained implementation than re-derived. One password serves every label, as Ansible tries each
// password it has on every label.
import { Vault } from 'ansible-vault';
import { EXIT, UserError } from '../errors.ts';

const MAGIC = '$ANSIBLE_VAULT;';
const HEADER = /^\$ANSIBLE_VAULT;1\.[12];AES256(;[^;\s]+)?$/;

/** The text's lines as Ansible reads them: trimmed, blank ones dropped. */
const linesOf = (text: string) => text.replace(/^\uFEFF/, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');

/** True when the text (a whole file, or a `!vault` value) starts with Ansible Vault's header. */
export const isAnsibleVault = (text: string): boolean => text.replace(/^\uFEFF/, '').trimStart().startsWith(MAGIC);

/**
 * The plaintext of an Ansible Vault text; `what` (a file, or a value's place) names it in errors. A wrong
 * password and a changed byte fail the same way (the HMAC does not match), and nothing of the plaintext is shown.
 */
export function decryptAnsible(text: string, password: string, what: string): string {
  const lines = linesOf(text);
  const bad = (why: string) => new UserError(`${what}: ${why}`, EXIT.invalid);
  if (!HEADER.test(lines[0] ?? '')) {
    throw bad(`Ansible Vault format "${lines[0]}" is not supported (this provision reads $ANSIBLE_VAULT;1.1;AES256 and 1.2;AES256;LABEL)`);
  }
  if (!password) throw bad('the vault password is empty');
  const wrong = lines.slice(1).findIndex((l) => !/^[0-9a-fA-F]+$/.test(l));
  if (wrong !== -1 || lines.length < 2) throw bad('the vault data is not hex: the file is damaged');
  try {
    const plain = new Vault({ password }).decryptSync(lines.join('\n'), undefined);
    if (plain === undefined) throw new Error('no plaintext');
    return plain;
  } catch (err) {
    if (/Integrity check failed/.test((err as Error).message)) {
      throw bad('cannot decrypt: wrong vault password, or the file was changed after it was encrypted');
    }
    throw bad('the vault data is damaged');
  }
}

/** `plain` as an Ansible Vault 1.1 text (what `ansible-vault encrypt` writes), ending with a newline. */
export function encryptAnsible(plain: string, password: string): string {
  if (!password) throw new UserError('the vault password is empty', EXIT.invalid);
  return `${new Vault({ password }).encryptSync(plain, undefined as never)}\n`;
}
