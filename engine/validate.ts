// Argument validation with ajv: every problem at once, each with the path of the value at fault.
import { ansibleBool } from './yaml/schema.ts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, useDefaults: true, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

export type ArgProblem = {
  /** JSON pointer of the value at fault inside the validated object ("/mode", "" for the object). */
  path: string;
  /** Set when the fault is an unknown key: point at the key, not its value. */
  key?: string;
  message: string;
};

function describe(e: ErrorObject): ArgProblem {
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '';
  const name = where ? `"${where}"` : 'arguments';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: `${e.instancePath}/${extra}`, key: extra, message: `unknown argument "${where ? `${where}.` : ''}${extra}"` };
    }
    case 'required':
      return { path: e.instancePath, message: `missing argument "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'enum':
      return { path: e.instancePath, message: `${name} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'not': {
      // A `not` says what it refuses in its schema's description ("give msg or var, not both"); under propertyNames, of the key it names.
      const says = (e.parentSchema as { description?: string } | undefined)?.description;
      const key = (e as { propertyName?: string }).propertyName;
      if (key !== undefined && says) return { path: `${e.instancePath}/${key}`, key, message: `"${key}" must be ${says}` };
      return { path: e.instancePath, message: says ?? `${name} ${e.message ?? 'is invalid'}` };
    }
    case 'minProperties':
      return { path: e.instancePath, message: `${name} must not be empty` };
    case 'pattern':
    case 'type': {
      const hint = (e.parentSchema as { description?: string } | undefined)?.description;
      const key = (e as { propertyName?: string }).propertyName;
      if (key !== undefined) return { path: `${e.instancePath}/${key}`, key, message: `"${key}" must be ${hint ?? `a name matching ${(e.params as { pattern?: string }).pattern}`}` };
      if (hint) return { path: e.instancePath, message: `${name} must be ${hint}` };
      return { path: e.instancePath, message: `${name} ${e.message ?? 'is invalid'}` };
    }
    default:
      return { path: e.instancePath, message: `${name} ${e.message ?? 'is invalid'}` };
  }
}

/** Validates (and fills defaults into) `value`; returns the problems, none when valid. */
export function validate(schema: object, value: unknown): ArgProblem[] {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(value)) return [];
  const seen = new Set<string>();
  // propertyNames: its inner error names the key; the wrapper says only that one was wrong.
  let errors = (fn.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  // An anyOf or oneOf with a description speaks for its branches: one message, not one per branch.
  const speaks = (x: ErrorObject) => (x.keyword === 'anyOf' || x.keyword === 'oneOf') && Boolean((x.parentSchema as { description?: string })?.description);
  for (const e of errors.filter(speaks)) {
    const branches = e.schemaPath.replace(/\/(anyOf|oneOf)$/, '/$1/');
    errors = errors.filter((x) => x === e || !x.schemaPath.startsWith(branches));
  }
  return errors.map((e) => (speaks(e)
    ? { path: e.instancePath, message: `${e.instancePath ? `"${e.instancePath.slice(1).replaceAll('/', '.')}"` : 'the arguments'} must be ${(e.parentSchema as { description: string }).description}` }
    : describe(e))).filter((p) => {
    const k = `${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

type SchemaNode = { type?: string | string[]; properties?: Record<string, SchemaNode>; items?: SchemaNode; additionalProperties?: unknown; if?: unknown; else?: SchemaNode };

/**
 * Rendered templates yield native values ("{{ port }}" -> 3000). Where the schema wants a string, a number
 * or boolean becomes its text; where it wants a number, a numeric string becomes a number; where it wants a
 * boolean, "yes"/"no"/"on"/"1"/... become one (as Ansible's argument specs convert); where it wants a list, a string
 * is split at its commas and a number is its text, as Ansible's check_type_list does (`name=curl,jq`; for a "one or a
 * list" argument, only a string with a comma). Nothing else is changed: every other mismatch is left for validation to report.
 */
export function coerce(schema: object, value: unknown): unknown {
  const s = schema as SchemaNode;
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  const list = types.length === 1 && types[0] === 'array' ? s : s.if && s.else?.type === 'array' && typeof value === 'string' && value.includes(',') ? s.else : undefined;
  if (list && (typeof value === 'string' || typeof value === 'number')) {
    const parts = typeof value === 'string' ? value.split(',') : [String(value)];
    return list.items ? parts.map((p) => coerce(list.items as object, p)) : parts;
  }
  if (types.length === 1 && types[0] === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  if (types.length === 1 && types[0] === 'boolean' && typeof value !== 'boolean') return ansibleBool(value) ?? value;
  if (types.length === 1 && (types[0] === 'integer' || types[0] === 'number') && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (Array.isArray(value) && s.items) return value.map((v) => coerce(s.items as object, v));
  if (value && typeof value === 'object' && !Array.isArray(value) && s.properties) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, s.properties![k] ? coerce(s.properties![k], v) : v]));
  }
  return value;
}
