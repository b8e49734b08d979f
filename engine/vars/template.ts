// The one template environment: nunjucks, made to render as Jinja2 does in Ansible. Values written into text
// as Python's str() writes them (True, None, ['a']); None is a value, not an undefined one; Python's string
// and dict methods; Ansible's filters, tests and lookups (filters.ts, tests.ts, lookups.ts). An undefined
// variable is an error that names it; an unknown filter or test is refused by validate where it is written.
import nunjucks from 'nunjucks';
import { filters } from './filters.ts';
import { LOOKUPS, lookupGlobals } from './lookups.ts';
import { pythonRuntime } from './jinja-runtime.ts';
import { pyLiteral, pyStr } from './python.ts';
import { TESTS, selectFilters } from './tests.ts';

pythonRuntime();
export const env = new nunjucks.Environment(null, { throwOnUndefined: true, autoescape: false, trimBlocks: true });


const builtin = (name: string) => (env as any).filters[name] as ((...a: unknown[]) => unknown) | undefined;
for (const [name, f] of Object.entries(filters(builtin))) env.addFilter(name, f);
for (const [name, f] of Object.entries(selectFilters((n) => (env as any).tests[n]))) env.addFilter(name, f);
// nunjucks' own filters that Jinja2 (so Ansible) does not have: unknown filters here too, refused by validate.
// dump stays for evaluate() alone, under a name no template may use (INTERNAL: refused as unknown).
const INTERNAL = '__provision_json';
env.addFilter(INTERNAL, (env as any).filters.dump);
for (const name of ['dump', 'nl2br']) delete (env as any).filters[name];
for (const [name, t] of Object.entries(TESTS)) (env as any).addTest(name, t);
for (const [name, g] of Object.entries(lookupGlobals((text, vars, name) => renderFile(text, vars, name)))) env.addGlobal(name, g);

/**
 * Jinja2 syntax nunjucks does not read, rewritten in the code of {{ }} and {% %} (never in string literals or
 * text): `item.0` (an index written as an attribute) as `item[0]`.
 */
export function jinjaSyntax(source: string): string {
  if (!/\.\d/.test(source)) return source;
  let out = '';
  let i = 0;
  const code = (c: string) => c.replace(/([A-Za-z_][A-Za-z0-9_]*|\]|\))\.(\d+)/g, '$1[$2]');
  while (i < source.length) {
    const open = source.slice(i).search(/\{\{|\{%/);
    if (open < 0) break;
    out += source.slice(i, i + open + 2);
    i += open + 2;
    const close = source[i - 1] === '{' ? '}}' : '%}';
    let seg = '';
    while (i < source.length && !source.startsWith(close, i)) {
      const q = source[i];
      if (q === '"' || q === "'") {
        let j = i + 1;
        while (j < source.length && source[j] !== q) j += source[j] === '\\' ? 2 : 1;
        out += code(seg) + source.slice(i, j + 1);
        seg = '';
        i = j + 1;
      } else {
        seg += q;
        i++;
      }
    }
    out += code(seg);
  }
  return out + source.slice(i);
}

type Node = { typename: string; fields: string[]; [k: string]: any };

const GLOBALS = new Set(['range', 'cycler', 'joiner', 'loop', 'true', 'false', 'none', 'True', 'False', 'None']);
const SAFE_FILTERS = new Set(['default', 'd']);

/** The test of an `is` node: `x is defined` -> "defined"; `x is none` (a null Literal) -> "none". */
const testName = (n: Node): string | undefined => (n.right?.typename === 'Literal' && n.right.value === null ? 'none' : n.right?.value ?? n.right?.name?.value);

/** The variable a condition proves defined, and whether it does so when true (`x is defined`) or false (`x is undefined`, `not x is defined`). */
function definedWhen(c: Node | undefined, when = true): { name: string; when: boolean } | undefined {
  if (c?.typename === 'Not') return definedWhen(c.target, !when);
  if (c?.typename !== 'Is' || c.left?.typename !== 'Symbol') return undefined;
  const t = testName(c);
  return t === 'defined' ? { name: c.left.value, when } : t === 'undefined' ? { name: c.left.value, when: !when } : undefined;
}

/** The top-level variables a template reads that `known` does not define (defaults and `is defined` excepted). */
export function undefinedVariables(source: string, known: (name: string) => boolean): string[] {
  const found = new Set<string>();
  const walk = (node: Node | null | undefined, bound: Set<string>): void => {
    if (!node || typeof node !== 'object' || !node.typename) return;
    switch (node.typename) {
      case 'Symbol':
        if (!bound.has(node.value) && !GLOBALS.has(node.value) && !known(node.value)) found.add(node.value);
        return;
      case 'Filter':
        if (SAFE_FILTERS.has(node.name?.value)) {
          node.args?.children?.slice(1).forEach((c: Node) => walk(c, bound));
          return;
        }
        node.args?.children?.forEach((c: Node) => walk(c, bound));
        return;
      case 'Is':
        if (['defined', 'undefined', 'none'].includes(testName(node) ?? '')) return;
        // The test's name is no variable: only what it is applied to and its arguments are read.
        walk(node.left, bound);
        node.right?.args?.children?.forEach((c: Node) => walk(c, bound));
        return;
      case 'And':
      case 'Or': {
        // `x is defined and x`, `x is undefined or x`: the right side is read only where x is defined.
        const g = definedWhen(node.left);
        walk(node.left, bound);
        walk(node.right, g && g.when === (node.typename === 'And') ? new Set(bound).add(g.name) : bound);
        return;
      }
      case 'For': {
        walk(node.arr, bound);
        const inner = new Set(bound);
        const names = node.name.typename === 'Array' ? node.name.children : [node.name];
        names.forEach((n: Node) => inner.add(n.value));
        walk(node.body, inner);
        walk(node.else_, bound);
        return;
      }
      case 'If':
      case 'InlineIf': {
        // `{% if x is defined %}...{{ x }}` reads x only where it is defined.
        const guarded = new Set(bound);
        const c = node.cond;
        if (c?.typename === 'Is' && c.left?.typename === 'Symbol' && (c.right?.value ?? c.right?.name?.value) === 'defined') guarded.add(c.left.value);
        walk(c, bound);
        walk(node.body, guarded);
        walk(node.else_, bound);
        return;
      }
      case 'Set':
        node.targets.forEach((t: Node) => bound.add(t.value));
        walk(node.value, bound);
        walk(node.body, bound);
        return;
      case 'FunCall':
        if (node.name?.typename !== 'Symbol') walk(node.name, bound);
        node.args?.children?.forEach((c: Node) => walk(c, bound));
        return;
      case 'Block':
        // {% block NAME %}: the name is the block's, not a variable.
        walk(node.body, bound);
        return;
      case 'Macro': {
        // {% macro NAME(args) %}: its arguments are bound inside it; NAME is defined from here on.
        const inner = new Set(bound);
        for (const a of node.args?.children ?? []) inner.add(a.typename === 'KeywordArgs' ? '' : a.value);
        for (const a of node.args?.children ?? []) if (a.typename === 'KeywordArgs') for (const pair of a.children) { inner.add(pair.key.value); walk(pair.value, bound); }
        walk(node.body, inner);
        bound.add(node.name.value);
        return;
      }
      case 'KeywordArgs':
        // name=value: the names are the callee's, not variables.
        node.children?.forEach((pair: Node) => walk(pair.value, bound));
        return;
      case 'LookupVal':
        walk(node.target, bound);
        if (node.val?.typename !== 'Literal') walk(node.val, bound);
        return;
    }
    for (const f of node.fields) {
      const child = node[f];
      if (Array.isArray(child)) child.forEach((c) => walk(c, bound));
      else walk(child, bound);
    }
  };
  walk((nunjucks as any).parser.parse(jinjaSyntax(source)) as Node, new Set());
  return [...found];
}

/** The filters, tests and lookup plugins a template names that provision does not have: each a problem. */
export function unknownNames(source: string): string[] {
  const out = new Set<string>();
  const walk = (node: Node | null | undefined): void => {
    if (!node || typeof node !== 'object' || !node.typename) return;
    if (node.typename === 'Filter') {
      const n = node.name?.value;
      if (n && (!(env as any).filters[n] || n === INTERNAL)) out.add(`unknown filter "${n}"`);
    }
    if (node.typename === 'Is') {
      const n = testName(node);
      if (n && !(env as any).tests[n]) out.add(`unknown test "${n}"`);
    }
    if (node.typename === 'FunCall' && node.name?.typename === 'Symbol' && ['lookup', 'query', 'q'].includes(node.name.value)) {
      const first = node.args?.children?.[0];
      if (first?.typename === 'Literal' && !LOOKUPS.includes(String(first.value))) out.add(`lookup "${first.value}" is not supported yet (${LOOKUPS.join(', ')} are)`);
    }
    for (const f of node.fields) {
      const child = node[f];
      if (Array.isArray(child)) child.forEach(walk);
      else walk(child);
    }
  };
  walk((nunjucks as any).parser.parse(jinjaSyntax(source)) as Node);
  return [...out];
}

export class TemplateError extends Error {}

/** Whether a string holds template syntax at all. */
export const isTemplated = (s: string) => /\{\{|\{%/.test(s);

function checkDefined(source: string, vars: Record<string, unknown>): void {
  const missing = undefinedVariables(source, (n) => n in vars);
  if (missing.length) throw new TemplateError(`undefined variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
}

/** The value of a Jinja2 expression (no braces), as it is: a number, a list, None... (conditions, debug's var). */
export function evaluate(expr: string, vars: Record<string, unknown>): unknown {
  checkDefined(`{{ ${expr} }}`, vars);
  try {
    const json = env.renderString(jinjaSyntax(`{{ (${expr}) | ${INTERNAL} }}`), vars);
    return json === '' ? undefined : JSON.parse(json);
  } catch (err) {
    throw new TemplateError(cleanMessage(err as Error));
  }
}

/**
 * Ansible's _escape_backslashes: inside `{{ }}`, a string literal's backslashes are doubled before Jinja2 reads
 * it, so `regex_replace('\\d', ...)` written in a playbook means the regex \\d. Template files are not escaped.
 */
export function escapeBackslashes(source: string): string {
  if (!source.includes('\\') || !source.includes('{{')) return source;
  let out = '';
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) break;
    out += source.slice(i, open + 2);
    i = open + 2;
    while (i < source.length && !source.startsWith('}}', i)) {
      const q = source[i];
      if (q !== '"' && q !== "'") {
        out += q;
        i++;
        continue;
      }
      let j = i + 1;
      while (j < source.length && source[j] !== q) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1).replaceAll('\\', '\\\\');
      i = j + 1;
    }
  }
  return out + source.slice(i);
}

/**
 * Renders a string with `vars` as Ansible's Templar does (jinja2_native off): a template that is one variable's
 * name gives its number, boolean or None as it is; a list or a mapping stays one; any other result is text, and
 * text that reads as a Python list, dict or boolean ("[1, 2]", "True") becomes that value, as Ansible's
 * literal_eval makes it (so "{{ 1 + 1 }}" is the text "2", as in Ansible). test/unit/jinja.test.ts compares.
 */
export function renderValue(raw: string, vars: Record<string, unknown>): unknown {
  if (!isTemplated(raw)) return raw;
  const source = escapeBackslashes(raw);
  // Ansible's single-variable check is a Python regex, whose $ also matches before one last newline.
  const single = /^\{\{\s*(\w*)\s*\}\}\n?$/.exec(source);
  if (single && single[1] in vars) {
    const v = vars[single[1]];
    if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  }
  // Jinja2 drops the source's last newline before anything; Ansible adds newlines back only to text (below).
  const body = source.endsWith('\n') ? source.slice(0, -1) : source;
  const whole = /^\{\{([^{}]*)\}\}$/.exec(body);
  let text: string;
  if (whole) {
    const v = evaluate(whole[1], vars);
    if (v === null || v === undefined) return withNewlines(source, '');
    if (typeof v === 'object' || typeof v === 'boolean') return v;
    text = pyStr(v);
  } else {
    checkDefined(source, vars);
    try {
      text = env.renderString(jinjaSyntax(body), vars);
    } catch (err) {
      throw new TemplateError(cleanMessage(err as Error));
    }
  }
  // A value made of the text ("True" from "{{ x }}\n") gets no newline back: Ansible adds them to text only.
  if (/^[[{]/.test(text) || text === 'True' || text === 'False') {
    try {
      return pyLiteral(text);
    } catch {
      return withNewlines(source, text);
    }
  }
  return withNewlines(source, text);
}

const newlinesAtEnd = (s: string) => s.length - s.replace(/\n+$/, '').length;

/**
 * Ansible's trailing newlines: Jinja2 (keep_trailing_newline off) drops the source's last newline, then Ansible's
 * Templar adds newlines back only as far as the source ends with more of them than the result
 * (preserve_trailing_newlines). A template ending in `{{ x }}\n` where x ends in newlines gets none added.
 */
function trailingNewlines(source: string, render: (s: string) => string): string {
  return withNewlines(source, render(source.endsWith('\n') ? source.slice(0, -1) : source));
}

/** `out` with the newlines the source ends with and it lacks (Ansible's preserve_trailing_newlines). */
function withNewlines(source: string, out: string): string {
  const missing = newlinesAtEnd(source) - newlinesAtEnd(out);
  return missing > 0 ? out + '\n'.repeat(missing) : out;
}

/** Renders a template file's text; errors carry the template's own line. */
export function renderFile(text: string, vars: Record<string, unknown>, name: string): string {
  const missing = undefinedVariables(text, (n) => n in vars);
  if (missing.length) throw new TemplateError(`${name}: undefined variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
  try {
    return trailingNewlines(text, (s) => new nunjucks.Template(jinjaSyntax(s), env, name).render(vars));
  } catch (err) {
    throw new TemplateError(`${name}: ${cleanMessage(err as Error)}`);
  }
}

function cleanMessage(err: Error): string {
  return err.message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ').replace('attempted to output null or undefined value', 'an undefined value (a missing key?)').trim();
}
