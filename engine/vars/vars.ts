// Variable layers and their precedence (lowest first): inventory (all < groups < host) < play vars < -e extra vars.
// Every value keeps its source, for `provision vars HOST` and for error messages.
import { load } from 'js-yaml';
import { yamlError } from '../yaml/positions.ts';
import { ANSIBLE_SCHEMA } from '../yaml/schema.ts';
import { readTextFile } from '../local-files.ts';
import { UserError, EXIT } from '../errors.ts';
import { markVaultVars } from '../redact.ts';
import { unvault } from '../vault/password.ts';
import { isTemplated, renderValue } from './template.ts';

/** A value and where it was set: "inventories/prod/hosts.yml:12 (group web)", "inventories/prod/group_vars/web.yml:3". */
export type Sourced = { value: unknown; source: string };
export type VarLayer = Record<string, Sourced>;

/** Later layers win. */
export function mergeLayers(...layers: VarLayer[]): VarLayer {
  return Object.assign({}, ...layers);
}

export function layerOf(vars: Record<string, unknown> | undefined, source: string): VarLayer {
  return Object.fromEntries(Object.entries(vars ?? {}).map(([k, v]) => [k, { value: v, source }]));
}

/** `-e k=v` (integers and true/false typed, "0755" kept a string), `-e '{"k": 1}'` (JSON), `-e @file.yml`. */
export function parseExtraVars(specs: string[]): VarLayer {
  const out: VarLayer = {};
  for (const spec of specs) {
    if (spec.startsWith('@')) {
      const file = spec.slice(1);
      const problem = (err: unknown) => new UserError(`-e ${spec}: ${(err as Error).message.split('\n')[0]}`, EXIT.invalid);
      let raw: string;
      try {
        raw = readTextFile(file, 'vars file');
      } catch (err) {
        // Too large: the whole file is at fault, named at its start (FILE:1:1) as a playbook is.
        if ((err as NodeJS.ErrnoException).code === 'EFBIG') throw new UserError(`${file}:1:1: ${(err as Error).message}`, EXIT.invalid);
        throw problem(err);
      }
      // A vault file is decrypted in memory; its errors name the file already.
      const { text, vault } = unvault(raw, file);
      let doc: unknown;
      try {
        doc = load(text, { schema: ANSIBLE_SCHEMA });
      } catch (err) {
        throw problem(yamlError(err, file, text));
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`-e ${spec}: not a mapping of variables`, EXIT.invalid);
      if (vault) markVaultVars(doc as Record<string, unknown>);
      Object.assign(out, layerOf(doc as Record<string, unknown>, `-e ${spec}${vault ? ' (vault)' : ''}`));
    } else if (spec.trim().startsWith('{')) {
      try {
        Object.assign(out, layerOf(JSON.parse(spec), '-e (JSON)'));
      } catch (err) {
        throw new UserError(`-e ${spec}: ${(err as Error).message}`, EXIT.invalid);
      }
    } else {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(spec);
      if (!m) throw new UserError(`-e ${spec}: expected key=value, a JSON object, or @file.yml`, EXIT.invalid);
      const raw = m[2];
      const value = /^-?(0|[1-9]\d*)$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
      out[m[1]] = { value, source: '-e' };
    }
  }
  return out;
}

/** Whether a value holds a template anywhere (a string, or one inside a list or a mapping). */
export const hasTemplate = (v: unknown): boolean =>
  typeof v === 'string' ? isTemplated(v) : Array.isArray(v) ? v.some(hasTemplate) : !!v && typeof v === 'object' && Object.values(v).some(hasTemplate);

export function renderDeep(v: unknown, vars: Record<string, unknown>): unknown {
  if (typeof v === 'string') return renderValue(v, vars);
  if (Array.isArray(v)) return v.map((x) => renderDeep(x, vars));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderDeep(x, vars)]));
  return v;
}

/**
 * Plain values, with templated strings inside variables rendered against the others (Ansible's lazy
 * variables), pass after pass until none is left; a cycle is an error naming its variables.
 */
export function resolveVars(layer: VarLayer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...Object.fromEntries(Object.entries(layer).map(([k, s]) => [k, s.value])), ...extra };
  for (let pass = 0; pass < 10; pass++) {
    const pending = Object.keys(vars).filter((k) => hasTemplate(vars[k]));
    if (pending.length === 0) return vars;
    for (const k of pending) {
      try {
        vars[k] = renderDeep(vars[k], vars);
      } catch (err) {
        throw new UserError(`variable "${k}" (${layer[k]?.source ?? 'extra'}): ${(err as Error).message}`, EXIT.invalid);
      }
    }
  }
  const left = Object.keys(vars).filter((k) => hasTemplate(vars[k]));
  throw new UserError(`variables ${left.map((k) => `"${k}"`).join(', ')} refer to each other in a cycle`, EXIT.invalid);
}
