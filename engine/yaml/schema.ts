// Ansible's YAML: the plain scalars of PyYAML's SafeLoader (YAML 1.1), which Ansible reads playbooks, roles,
// inventories and vars files with. js-yaml's own YAML 1.1 tags are used where they agree with PyYAML; where
// they do not, PyYAML wins (test/unit/yaml11.test.ts compares both on a table of scalars when python3-yaml is there).
import { Schema, NOT_RESOLVED, strTag, seqTag, mapTag, nullYaml11Tag, intYaml11Tag, floatYaml11Tag, mergeTag, defineScalarTag } from 'js-yaml';
import { markVaultValue } from '../redact.ts';
import { decryptAnsible, isAnsibleVault } from '../vault/ansible-format.ts';
import { vaultPassword } from '../vault/password.ts';

/**
 * PyYAML's booleans: yes/no, true/false, on/off in three spellings each (lower, Capitalised, UPPER).
 * YAML 1.1's y/n (which js-yaml's 1.1 tag takes) are strings to PyYAML, so to Ansible.
 */
const BOOLS = new Map<string, boolean>(
  ['yes', 'true', 'on'].flatMap((w) => [[w, true], [w[0].toUpperCase() + w.slice(1), true], [w.toUpperCase(), true]] as Array<[string, boolean]>)
    .concat(['no', 'false', 'off'].flatMap((w) => [[w, false], [w[0].toUpperCase() + w.slice(1), false], [w.toUpperCase(), false]] as Array<[string, boolean]>)),
);

const boolTag = defineScalarTag<boolean>('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O'],
  resolve: (source) => BOOLS.get(source) ?? NOT_RESOLVED,
  identify: (data) => typeof data === 'boolean',
});

/** PyYAML's sexagesimal integers start with 1-9 ("0:30" is a string); js-yaml's also take a leading 0. */
const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: intYaml11Tag.implicitFirstChars,
  resolve: (source, explicit, tag) => (/^[-+]?0[0-9_]*:/.test(source) ? NOT_RESOLVED : intYaml11Tag.resolve(source, explicit, tag)),
  identify: intYaml11Tag.identify,
  represent: intYaml11Tag.represent,
});

/** Why the last `!vault` value could not be read: js-yaml's own error names only the tag; yamlError puts this at its place. */
export const vaultFailure: { reason?: string } = {};

/**
 * Ansible's `!vault` value: Ansible Vault text (`ansible-vault encrypt_string`), decrypted as the file is read with
 * the run's vault password (Ansible decrypts it when first used: a run never using it still needs the password
 * here), its plaintext masked in all output from then on.
 */
const vaultTag = defineScalarTag<string>('!vault', {
  resolve: (source) => {
    try {
      if (!isAnsibleVault(source)) throw new Error('a !vault value holds Ansible Vault text ($ANSIBLE_VAULT;1.1;AES256, then hex lines)');
      const plain = decryptAnsible(source, vaultPassword('a !vault value'), 'a !vault value');
      markVaultValue(plain);
      return plain;
    } catch (err) {
      vaultFailure.reason = (err as Error).message;
      return NOT_RESOLVED;
    }
  },
  identify: () => false,
});

/**
 * The schema every YAML file of a project is read with. Timestamps (`2001-12-14`) stay strings: PyYAML makes
 * them dates, which Ansible prints back as the same text; a JavaScript Date would print differently.
 */
export const ANSIBLE_SCHEMA = new Schema([strTag, seqTag, mapTag, nullYaml11Tag, boolTag, intTag, floatYaml11Tag, mergeTag, vaultTag]);

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/**
 * Ansible's `boolean()`, which its keywords (become, ignore_errors, no_log, gather_facts, ...) and modules'
 * bool arguments go through: a boolean, 0/1, or a string of the sets above in any case. Anything else is
 * undefined (the caller refuses it, as Ansible does).
 */
export function ansibleBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  return TRUE.has(s) ? true : FALSE.has(s) ? false : undefined;
}
