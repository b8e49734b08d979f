// Sensitive variables: their values never reach the output (summaries, diffs, errors, JSON).
// A variable is sensitive when its name says so (password, secret, token, ...), it is listed in `sensitive_vars`,
// or it was read from a vault file (markVaultVars, by the loaders of vars files).
import type { Change } from './module.ts';

const SENSITIVE_NAME = /(password|passwd|secret|token|api_?key|private_key|credential|_pass$)/i;
/** A name for where a secret is kept (ansible_ssh_private_key_file, vault_password_file): a path, shown. */
const PATH_NAME = /_(file|path)$/i;
export const MASK = '********';

/** Every string (and number) of at least 4 characters inside a value. */
function leaves(v: unknown, into: Set<string>): Set<string> {
  if (typeof v === 'string' && v.length >= 4) into.add(v);
  else if (typeof v === 'number' && String(v).length >= 4) into.add(String(v));
  else if (Array.isArray(v)) v.forEach((x) => leaves(x, into));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => leaves(x, into));
  return into;
}

/** Variables read from vault files by this process: their names, and their values as written. */
const vault = { names: new Set<string>(), values: new Set<string>() };

/** Makes the variables of a decrypted vault file sensitive for the rest of the process, whatever their names. */
export function markVaultVars(vars: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(vars)) {
    vault.names.add(k);
    leaves(v, vault.values);
  }
}

/** Masks one decrypted value (an inline `!vault` scalar) in all output for the rest of the process. */
export function markVaultValue(v: string): void {
  leaves(v, vault.values);
}

/** Is this a variable of a vault file? */
export const isVaultVar = (name: string) => vault.names.has(name);

/** Forgets the vault variables (tests). */
export function clearVaultVars(): void {
  vault.names.clear();
  vault.values.clear();
}

/** Whether a variable's value is never shown: by its name, listed in `sensitive_vars` (of `vars`), or read from a vault file. */
export function isSensitiveVar(name: string, vars: Record<string, unknown>): boolean {
  const listed = Array.isArray(vars.sensitive_vars) ? vars.sensitive_vars.map(String) : [];
  return listed.includes(name) || (SENSITIVE_NAME.test(name) && !PATH_NAME.test(name)) || vault.names.has(name);
}

/** A value with every secret masked in its strings (a URL holding a password, say), structure kept. */
export function redactValue(v: unknown, secrets: string[]): unknown {
  if (typeof v === 'string') return redact(v, secrets);
  if (Array.isArray(v)) return v.map((x) => redactValue(x, secrets));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(x, secrets)]));
  return v;
}

/** The values to mask, longest first: of sensitive variables (as resolved in `vars`) and of every vault variable. */
export function sensitiveValues(vars: Record<string, unknown>): string[] {
  const out = new Set<string>(vault.values);
  for (const [k, v] of Object.entries(vars)) if (isSensitiveVar(k, vars)) leaves(v, out);
  return [...out].sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: string[]): string {
  let t = text;
  for (const s of secrets) t = t.split(s).join(MASK);
  return t;
}

/** A copy of the change with every secret masked in what is shown (the steps stay as they are). */
export function redactChange(c: Change, secrets: string[]): Change {
  if (!secrets.length) return c;
  const has = (s: string | null | undefined) => !!s && secrets.some((x) => s.includes(x));
  // A file that holds a secret now may have held an older one in the same place: show no diff at all.
  const hideDiff = c.diff && (has(c.diff.after) || has(c.diff.before) || has(c.diff.prepared));
  return {
    ...c,
    summary: redact(c.summary, secrets),
    diff: c.diff && (hideDiff ? { path: c.diff.path, before: null, after: null, note: 'it holds a sensitive value: not shown' } : c.diff),
  };
}
