// nunjucks' runtime and compiler made to behave as Jinja2 in Ansible, once for the process (template.ts calls
// pythonRuntime() before it builds its environment): None writes nothing and True, lists and mappings are
// written as Python's str() writes them; Python's str methods; indexes and slices as Python's; a test's
// arguments compiled with commas between them; *, +, ~ and % as Python's (operators.ts); (a, b) and a mapping's
// items() tuples (python.ts's pyTuple).
import nunjucks from 'nunjucks';
import { pyAdd, pyCompare, pyConcat, pyEq, pyMod, pyMul } from './operators.ts';
import { isTuple, pyStr, pyTuple } from './python.ts';
import { jinjaParser } from './jinja-parser.ts';

let done = false;

export function pythonRuntime(): void {
  if (done) return;
  done = true;
  jinjaParser();
  nunjucks.installJinjaCompat();
  const runtime = (nunjucks as any).runtime;
  const suppress = runtime.suppressValue;
  // None writes nothing (Ansible's finalize); True, a list, a mapping as Python's str() writes them.
  runtime.suppressValue = (v: unknown, autoescape: boolean) => (v === null ? '' : typeof v === 'string' || (v && (v as object).constructor?.name === 'SafeString') ? suppress(v, autoescape) : pyStr(v));
  runtime.ensureDefined = (v: unknown, lineno: number, colno: number) => {
    if (v === undefined) throw new (nunjucks as any).lib.TemplateError('attempted to output null or undefined value', lineno + 1, colno + 1);
    return v;
  };
  // Python's str methods that JavaScript names otherwise or lacks (installJinjaCompat brings dict and list ones).
  const STR_METHODS: Record<string, (s: string, ...a: any[]) => unknown> = {
    startswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.startsWith(x)) : s.startsWith(p)),
    endswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.endsWith(x)) : s.endsWith(p)),
    strip: (s, c?: string) => (c === undefined ? s.trim() : s.replace(new RegExp(`^[${c.replace(/[\]^-]/g, '\\$&')}]+|[${c.replace(/[\]^-]/g, '\\$&')}]+$`, 'g'), '')),
    lstrip: (s) => s.trimStart(), rstrip: (s) => s.trimEnd(),
    lower: (s) => s.toLowerCase(), upper: (s) => s.toUpperCase(),
    replace: (s, a: string, b: string) => s.split(a).join(b),
    find: (s, x: string) => s.indexOf(x),
    join: (s, xs: unknown[]) => xs.map(pyStr).join(s),
    isdigit: (s) => /^\d+$/.test(s), isalpha: (s) => /^[a-z]+$/i.test(s),
    capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
    splitlines: (s) => s.split(/\r\n|\n|\r/).filter((_, i, a) => i < a.length - 1 || a[i] !== ''),
  };
  /** Python's x[start:stop:step] of a str or a list (slice.indices: bounds clamped, negatives from the end). */
  function pySlice(obj: unknown, start: number | null, stop: number | null, step: number | null): unknown {
    const seq = typeof obj === 'string' ? [...obj] : Array.isArray(obj) ? obj : undefined;
    if (!seq) throw new Error(`cannot slice ${pyStr(obj)}`);
    const by = step ?? 1;
    if (by === 0) throw new Error('slice step cannot be zero');
    const n = seq.length;
    const at = (i: number | null, dflt: number, lo: number, hi: number) => (i === null ? dflt : Math.min(Math.max(i < 0 ? i + n : i, lo), hi));
    const [from, to] = by > 0 ? [at(start, 0, 0, n), at(stop, n, 0, n)] : [at(start, n - 1, -1, n - 1), at(stop, -1, -1, n - 1)];
    const out: unknown[] = [];
    for (let i = from; by > 0 ? i < to : i > to; i += by) out.push(seq[i]);
    return typeof obj === 'string' ? out.join('') : isTuple(obj) ? pyTuple(out) : out;
  }
  const memberLookup = runtime.memberLookup;
  runtime.memberLookup = function lookup(obj: unknown, val: unknown, ...rest: unknown[]) {
    // A slice (jinja-compat compiles x[a:b:c] into four arguments): Python's, a str for a str (nunjucks' is neither).
    if (rest.length === 2) return pySlice(obj, val as number | null, rest[0] as number | null, rest[1] as number | null);
    if (typeof obj === 'string' && typeof val === 'string' && val in STR_METHODS) return (...a: unknown[]) => STR_METHODS[val](obj, ...a);
    // A mapping's items(): (key, value) tuples, as Python's (unless it has a key of that name, which nunjucks reads).
    if (val === 'items' && obj && typeof obj === 'object' && !Array.isArray(obj) && !Object.hasOwn(obj, 'items')) {
      return () => Object.entries(obj).map((e) => pyTuple(e));
    }
    // A negative index counts from the end, as in Python.
    if ((typeof obj === 'string' || Array.isArray(obj)) && typeof val === 'number' && val < 0) return obj[obj.length + val];
    return memberLookup(obj, val);
  };

  // *, +, ~ and %: Python's (nunjucks emits JavaScript's operators: '0' * 3 is 0, [1] + [2] is "12").
  Object.assign(runtime, { pyMul, pyAdd, pyConcat, pyMod, pyTuple, pyCompare });
  // `x in list` by value, as Python's (nunjucks' indexOf compares references).
  const inOperator = runtime.inOperator;
  runtime.inOperator = (key: unknown, val: unknown) => (Array.isArray(val) ? val.some((y) => pyEq(y, key)) : inOperator(key, val));
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  for (const [op, fn] of [['Mul', 'pyMul'], ['Add', 'pyAdd'], ['Concat', 'pyConcat'], ['Mod', 'pyMod']]) {
    proto[`compile${op}`] = function compileOp(this: any, node: any, frame: unknown) {
      this._emit(`runtime.${fn}(`);
      this.compile(node.left, frame);
      this._emit(',');
      this.compile(node.right, frame);
      this._emit(')');
    };
  }

  // Comparisons as Python's: == and != by value with no coercion, < and the others by type, chains as `and`s.
  proto.compileCompare = function compilePyCompare(this: any, node: any, frame: unknown) {
    this._emit('runtime.pyCompare(');
    this.compile(node.expr, frame);
    for (const op of node.ops) {
      this._emit(`,${JSON.stringify(op.type)},`);
      this.compile(op.expr, frame);
    }
    this._emit(')');
  };

  // A parenthesised list of several values is Python's tuple (a list here), not JavaScript's comma operator (its last).
  proto.compileGroup = function compileGroup(this: any, node: any, frame: unknown) {
    if (node.children.length > 1 || node.tuple) {
      this._emit('runtime.pyTuple(');
      this._compileAggregate(node, frame, '[', ']');
      this._emit(')');
    } else {
      this._compileAggregate(node, frame, '(', ')');
    }
  };

  // nunjucks compiles a test's arguments without commas between them (`x is version('1', '>')`): as Jinja2 does.
  (nunjucks as any).compiler.Compiler.prototype.compileIs = function compileIs(this: any, node: any, frame: unknown) {
    const right = node.right.name ? node.right.name.value : node.right.value;
    this._emit(`env.getTest(${JSON.stringify(right)}).call(context, `);
    this.compile(node.left, frame);
    for (const arg of node.right.args?.children ?? []) {
      this._emit(',');
      this.compile(arg, frame);
    }
    this._emit(') === true');
  };
}
