// Jinja2's arithmetic as Python does it, where JavaScript's operators (which nunjucks compiles to) differ: `*`
// repeats a str or a list by an int, `+` joins two lists, `~` writes each side as Python's str(), `%` takes the
// sign of the divisor (and formats a str, as Python's printf-style %), and mixing a str with a number is Python's
// TypeError, not JavaScript's coercion. pythonRuntime() (jinja-runtime.ts) compiles the operators to these.
import { pyFormat } from './filters.ts';
import { isTuple, pyStr } from './python.ts';

/** Python's type name of a value, for its TypeError's words. */
function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string' || v?.constructor?.name === 'SafeString') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}
const isStr = (v: unknown): boolean => typeName(v) === 'str';
const isNum = (v: unknown): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
const unsupported = (op: string, a: unknown, b: unknown) => new Error(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);

/** Python's seq * n: n copies (none for n <= 0); n must be an int (a bool counts as one). */
function repeat(seq: unknown, n: unknown, a: unknown, b: unknown): unknown {
  if (!(typeof n === 'boolean' || (typeof n === 'number' && Number.isInteger(n)))) throw new Error(`can't multiply sequence by non-int of type '${typeName(n)}'`);
  const times = Math.max(0, Number(n));
  if (Array.isArray(seq)) return Array.from({ length: times }, () => seq).flat(1);
  if (isStr(seq)) return String(seq).repeat(times);
  throw unsupported('*', a, b);
}

export function pyMul(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) return Number(a) * Number(b);
  if (isNum(b)) return repeat(a, b, a, b);
  if (isNum(a)) return repeat(b, a, a, b);
  throw unsupported('*', a, b);
}

export function pyAdd(a: unknown, b: unknown): unknown {
  if (isNum(a) && isNum(b)) return Number(a) + Number(b);
  if (isStr(a) && isStr(b)) return String(a) + String(b);
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isStr(a)) throw new Error(`can only concatenate str (not "${typeName(b)}") to str`);
  if (Array.isArray(a)) throw new Error(`can only concatenate list (not "${typeName(b)}") to list`);
  throw unsupported('+', a, b);
}

/** Jinja2's ~: both sides as str() writes them (None as 'None'). */
export const pyConcat = (a: unknown, b: unknown): string => pyStr(a) + pyStr(b);

export function pyMod(a: unknown, b: unknown): unknown {
  // A str's % formats it: a list (nunjucks' tuple) gives the values, anything else is the one value.
  if (isStr(a)) return pyFormat(String(a), Array.isArray(b) ? b : [b]);
  if (!isNum(a) || !isNum(b)) throw unsupported('%', a, b);
  const [x, y] = [Number(a), Number(b)];
  if (y === 0) throw new Error(Number.isInteger(x) && Number.isInteger(y) ? 'integer division or modulo by zero' : 'float modulo');
  const r = x % y;
  return r !== 0 && (r < 0) !== (y < 0) ? r + y : r;
}

/**
 * Python's ==: by value, not by reference (JavaScript's [1] == [1] is false), with no coercion between a str and a
 * number ('1' == 1 is False); True is 1; a tuple is never a list.
 */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a === b;
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  if (isStr(a) && isStr(b)) return String(a) === String(b);
  if (Array.isArray(a) && Array.isArray(b)) return isTuple(a) === isTuple(b) && a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  if (typeName(a) === 'dict' && typeName(b) === 'dict') {
    const [ka, kb] = [Object.keys(a as object), Object.keys(b as object)];
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && pyEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Python's <, <=, > and >=: numbers by value, strs by code points, lists item by item; other pairs a TypeError. */
function pyOrder(a: unknown, op: string, b: unknown): boolean {
  const sign = (c: number) => (op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0);
  if (isNum(a) && isNum(b)) return sign(Number(a) - Number(b));
  if (isStr(a) && isStr(b)) return sign(String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const i = a.findIndex((x, k) => k >= b.length || !pyEq(x, b[k]));
    if (i >= 0 && i < b.length) return pyOrder(a[i], op, b[i]);
    return sign(a.length - b.length);
  }
  throw new Error(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** A comparison, chained as Python's: a < b < c is a < b and b < c. `rest`: operator, operand, operator, operand... */
export function pyCompare(first: unknown, ...rest: unknown[]): boolean {
  let left = first;
  for (let i = 0; i < rest.length; i += 2) {
    const [op, right] = [String(rest[i]), rest[i + 1]];
    const holds = op === '==' || op === '===' ? pyEq(left, right) : op === '!=' || op === '!==' ? !pyEq(left, right) : pyOrder(left, op, right);
    if (!holds) return false;
    left = right;
  }
  return true;
}
