// Vars files read while a play runs (include_vars): found where Ansible looks (a role's vars/, the role, the
// playbook's vars/, its directory), read as YAML 1.1, a vault file decrypted in memory and its values marked secret.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';
import { yamlError } from '../yaml/positions.ts';
import { readTextFile } from '../local-files.ts';
import { markVaultVars } from '../redact.ts';
import { unvault } from '../vault/password.ts';
import { ANSIBLE_SCHEMA } from '../yaml/schema.ts';

/** The file `name` names, in `roots` (the role's path, then the playbook's directory): vars/NAME, then NAME. */
export function findVarsFile(name: string, roots: string[]): string {
  const tries = isAbsolute(name) ? [name] : roots.flatMap((r) => [join(r, 'vars', name), join(r, name)]);
  const hit = tries.find((p) => existsSync(p) && statSync(p).isFile());
  if (!hit) throw new Error(`vars file "${name}" not found (looked in ${tries.join(', ')})`);
  return hit;
}

/** A vars file that holds something else than a mapping. */
export class NotAMapping extends Error {}

/**
 * The variables of a vars file's text (`vault`: it was a vault file, so they are all secret); an empty file has
 * none. Throws a YamlSyntaxError (with its mark) for bad YAML or an unreadable `!vault` value, NotAMapping for anything but a mapping.
 */
export function varsOfText(text: string, vault: boolean, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = load(text, { schema: ANSIBLE_SCHEMA, filename: file });
  } catch (err) {
    throw yamlError(err, file, text);
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new NotAMapping(`vars file ${file} is not a mapping of variables`);
  if (vault) markVaultVars(doc as Record<string, unknown>);
  return doc as Record<string, unknown>;
}

/** A vars file's variables, read when a task runs (include_vars). */
export function readVarsText(file: string): { vars: Record<string, unknown> } {
  const { text, vault } = unvault(readTextFile(file, 'vars file'), file);
  return { vars: varsOfText(text, vault, file) };
}
