// Sensitive variables: their values never reach the output (summaries, diffs, errors, JSON).
// A variable is sensitive when its name says so (password, secret, token, ...) or it is listed in `sensitive_vars`.
import type { Change } from './module.ts';

const SENSITIVE_NAME = /(password|passwd|secret|token|api_?key|private_key|credential)/i;
export const MASK = '********';

export function sensitiveValues(vars: Record<string, unknown>): string[] {
  const listed = new Set(Array.isArray(vars.sensitive_vars) ? vars.sensitive_vars.map(String) : []);
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) out.add(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') Object.values(v).forEach(add);
  };
  for (const [k, v] of Object.entries(vars)) if (listed.has(k) || SENSITIVE_NAME.test(k)) add(v);
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
  const hideDiff = c.diff && (has(c.diff.after) || has(c.diff.before));
  return {
    ...c,
    summary: redact(c.summary, secrets),
    diff: c.diff && (hideDiff ? { path: c.diff.path, before: null, after: null, note: 'it holds a sensitive value: not shown' } : c.diff),
  };
}
