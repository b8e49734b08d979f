// The one nunjucks environment (Jinja2 syntax). An undefined variable is an error that names it.
import nunjucks from 'nunjucks';

export const env = new nunjucks.Environment(null, { throwOnUndefined: true, autoescape: false, trimBlocks: true });
// Ansible's spelling: `x | d(1)`, `x | bool`, `x | to_json`, `x | mandatory`.
env.addFilter('d', (v: unknown, dflt: unknown) => (v === undefined || v === null ? dflt : v));
env.addFilter('bool', (v: unknown) => (typeof v === 'string' ? /^(yes|true|on|1)$/i.test(v.trim()) : Boolean(v)));
env.addFilter('to_json', (v: unknown) => JSON.stringify(v));
env.addFilter('int', (v: unknown) => Number.parseInt(String(v), 10) || 0);
env.addFilter('quote', (v: unknown) => `'${String(v).replaceAll("'", `'\\''`)}'`);

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
        break;
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
  walk((nunjucks as any).parser.parse(source) as Node, new Set());
  return [...found];
}

export class TemplateError extends Error {}

/** Whether a string holds template syntax at all. */
export const isTemplated = (s: string) => /\{\{|\{%/.test(s);

/**
 * Renders a string with `vars`. A string that is exactly one `{{ expression }}` yields the
 * expression's own value (a number stays a number, a list a list), as Ansible does.
 */
export function renderValue(source: string, vars: Record<string, unknown>): unknown {
  if (!isTemplated(source)) return source;
  const missing = undefinedVariables(source, (n) => n in vars);
  if (missing.length) throw new TemplateError(`undefined variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
  const whole = /^\{\{([^{}]*)\}\}$/.exec(source);
  try {
    if (whole) {
      const json = env.renderString(`{{ (${whole[1]}) | dump }}`, vars);
      return json === '' ? undefined : JSON.parse(json);
    }
    return env.renderString(source, vars);
  } catch (err) {
    throw new TemplateError(cleanMessage(err as Error));
  }
}

/** Renders a template file's text; errors carry the template's own line. */
export function renderFile(text: string, vars: Record<string, unknown>, name: string): string {
  const missing = undefinedVariables(text, (n) => n in vars);
  if (missing.length) throw new TemplateError(`${name}: undefined variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
  try {
    return new nunjucks.Template(text, env, name).render(vars);
  } catch (err) {
    throw new TemplateError(`${name}: ${cleanMessage(err as Error)}`);
  }
}

function cleanMessage(err: Error): string {
  return err.message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ').replace('attempted to output null or undefined value', 'an undefined value (a missing key?)').trim();
}
