// Jinja2's and Ansible's tests (`x is match('^a')`), and the filters that apply them (select, reject, selectattr,
// rejectattr, as Jinja2 has them: nunjucks' selectattr takes no test), on nunjucks.
import { existsSync, lstatSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { splitKw } from './filters.ts';
import { pyCompare, pyEq } from './operators.ts';
import { pyTruthy } from './python.ts';
import { pyRegExp } from './regex.ts';

type Test = (v: any, ...a: any[]) => boolean;

/** LooseVersion's parts: numbers and words, compared number to number, else as text. */
function versionCmp(a: string, b: string): number {
  const parts = (s: string) => s.match(/\d+|[a-z]+/gi) ?? [];
  const [x, y] = [parts(String(a)), parts(String(b))];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    const [p, q] = [x[i], y[i]];
    const c = /^\d+$/.test(p) && /^\d+$/.test(q) ? Number(p) - Number(q) : p < q ? -1 : p > q ? 1 : 0;
    if (c) return Math.sign(c);
  }
  return 0;
}

const OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0, lt: (c) => c < 0, '<=': (c) => c <= 0, le: (c) => c <= 0, '>': (c) => c > 0, gt: (c) => c > 0,
  '>=': (c) => c >= 0, ge: (c) => c >= 0, '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0, '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

function regexTest(kind: 'match' | 'search' | 'regex'): Test {
  return (v, pattern, ...rest) => {
    const [pos, kw] = splitKw(rest);
    const re = pyRegExp(String(pattern), { ignorecase: Boolean(pos[0] ?? kw.ignorecase), multiline: Boolean(pos[1] ?? kw.multiline) });
    const m = re.exec(String(v));
    return !!m && (kind !== 'match' || m.index === 0);
  };
}

const resultOf = (v: any) => (v && typeof v === 'object' ? v : {});
const contains = (seq: unknown, x: unknown) => (Array.isArray(seq) ? seq.some((y) => pyEq(y, x))
  : typeof seq === 'string' ? seq.includes(String(x)) : !!seq && typeof seq === 'object' && String(x) in seq);

export const TESTS: Record<string, Test> = {
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || (!!v && typeof v === 'object'),
  in: (v, seq) => contains(seq, v),
  contains: (seq, v) => contains(seq, v),
  subset: (a, b) => Array.isArray(a) && Array.isArray(b) && a.every((x) => contains(b, x)),
  superset: (a, b) => Array.isArray(a) && Array.isArray(b) && b.every((x) => contains(a, x)),
  any: (v) => Array.isArray(v) && v.some(pyTruthy),
  all: (v) => Array.isArray(v) && v.every(pyTruthy),
  match: regexTest('match'),
  search: regexTest('search'),
  regex: regexTest('search'),
  version: (v, other, op = 'eq', ...rest) => {
    const [pos, kw] = splitKw([op, ...rest]);
    const f = OPS[String(kw.operator ?? pos[0] ?? 'eq')];
    if (!f) throw new Error(`version: unknown operator ${JSON.stringify(pos[0])}`);
    return f(versionCmp(String(v), String(other)));
  },
  changed: (v) => Boolean(resultOf(v).changed),
  failed: (v) => Boolean(resultOf(v).failed),
  succeeded: (v) => !resultOf(v).failed,
  success: (v) => !resultOf(v).failed,
  skipped: (v) => Boolean(resultOf(v).skipped),
  abs: (v) => isAbsolute(String(v)),
  exists: (v) => existsSync(String(v)),
  file: (v) => existsSync(String(v)) && statSync(String(v)).isFile(),
  directory: (v) => existsSync(String(v)) && statSync(String(v)).isDirectory(),
  link: (v) => existsSync(String(v)) && lstatSync(String(v)).isSymbolicLink(),
};
TESTS.version_compare = TESTS.version;
// Jinja2's operator names for its comparison tests (`selectattr('port', '>=', 1024)`): Python's, as the operators.
const compare = (op: string): Test => (a: unknown, b: unknown) => pyCompare(a, op, b);
Object.assign(TESTS, Object.fromEntries([['==', '=='], ['eq', '=='], ['equalto', '=='], ['!=', '!='], ['ne', '!='], ['<', '<'], ['lt', '<'],
  ['lessthan', '<'], ['<=', '<='], ['le', '<='], ['>', '>'], ['gt', '>'], ['greaterthan', '>'], ['>=', '>='], ['ge', '>=']].map(([name, op]) => [name, compare(op)])));

/** select / reject / selectattr / rejectattr, with `test(name)` finding a test (these, then nunjucks' own). */
export function selectFilters(test: (name: string) => Test | undefined): Record<string, (...a: any[]) => unknown> {
  const pick = (keep: boolean, attr?: string) => (v: unknown, ...args: unknown[]) => {
    const [name, ...rest] = args;
    const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v) : [];
    const at = (x: any) => (attr === undefined ? x : attr.split('.').reduce((o: any, k) => (o == null ? undefined : o[k]), x));
    const t = name === undefined ? pyTruthy : test(String(name));
    if (!t) throw new Error(`no test named "${String(name)}"`);
    return items.filter((x) => Boolean(t(at(x), ...rest)) === keep);
  };
  return {
    select: (v: unknown, ...a: unknown[]) => pick(true)(v, ...a),
    reject: (v: unknown, ...a: unknown[]) => pick(false)(v, ...a),
    selectattr: (v: unknown, attr: string, ...a: unknown[]) => pick(true, attr)(v, ...a),
    rejectattr: (v: unknown, attr: string, ...a: unknown[]) => pick(false, attr)(v, ...a),
  };
}
