// Values as Python (and so Jinja2, and so Ansible) writes them: str() of a value put in a template's text
// (True, None, ['a', 1], {'k': 'v'}), repr() of a string, and json.dumps with Python's default separators.
// nunjucks writes JavaScript's (true, "", a,1, [object Object]); where they differ, Jinja2 wins.

/** Python's reserved words, which Ansible refuses as variable names (its isidentifier: ASCII, not a keyword). */
export const PY_KEYWORDS = ['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return',
  'try', 'while', 'with', 'yield'];

/** A name Ansible takes for a variable (register, vars, set_fact, loop_var): an ASCII identifier, not a Python keyword. */
export const isVarName = (s: unknown): s is string => typeof s === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !PY_KEYWORDS.includes(s);

/** Python's repr() of a string: single quotes unless it holds one and no double quote; escapes as Python's. */
export function pyReprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return q + out + q;
}

/** A number as Python prints it (an integer-valued float from YAML is an int: JavaScript cannot tell them apart). */
const pyNumber = (n: number) => (Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n));

const TUPLE = Symbol('tuple');

/** Python's tuple: a list marked as one (written `(a, b)`; YAML, JSON and every list operation take it as a list). */
export function pyTuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

export const isTuple = (v: unknown): boolean => Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;

/** Python's repr() of a value: inside lists and mappings. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyReprString(v);
  if (isTuple(v)) return `(${(v as unknown[]).map(pyRepr).join(', ')}${(v as unknown[]).length === 1 ? ',' : ''})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** Python's str() of a value: what `{{ x }}` writes into a template's text. */
export function pyStr(v: unknown): string {
  // A macro's output is a nunjucks SafeString (a String object): its text, as Jinja2's Markup is.
  return typeof v === 'string' ? v : v instanceof String ? v.valueOf() : pyRepr(v);
}

/** json.dumps(v) with Python's default separators (", " and ": "), or indented with sorted keys (to_nice_json). */
export function pyJson(v: unknown, indent?: number, sortKeys = false): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === 'object') {
      const entries = Object.entries(x).map(([k, y]) => [k, norm(y)] as const);
      if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries);
    }
    return x === undefined ? null : x;
  };
  // ensure_ascii, as json.dumps by default: every character past ASCII as \uXXXX.
  const text = JSON.stringify(norm(v), null, indent).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (indent !== undefined) return text;
  // JSON.stringify without indent writes no spaces; add Python's outside strings.
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    out += ch;
    if (inString) {
      if (ch === '\\') out += text[++i];
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === ',' || ch === ':') out += ' ';
  }
  return out;
}

/** Python's truth of a value: empty strings, lists and mappings are false, as are 0 and None. */
export function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/**
 * Python's ast.literal_eval of a text that Ansible turns back into a value (a template's result starting with
 * [ or {, or True / False): lists, tuples, dicts, strings, numbers, True, False, None. Throws when it is not one.
 */
export function pyLiteral(text: string): unknown {
  let i = 0;
  const ws = () => { while (/\s/.test(text[i] ?? '')) i++; };
  const fail = (): never => { throw new Error(`not a Python literal at ${i}`); };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const out: unknown[] = [];
      for (ws(); text[i] !== close; ws()) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail();
      }
      i++;
      return out;
    }
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      for (ws(); text[i] !== '}'; ws()) {
        const k = value();
        ws();
        if (text[i++] !== ':') fail();
        out[String(k)] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail();
      }
      i++;
      return out;
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (text[i] !== c) {
        if (i >= text.length) fail();
        if (text[i] === '\\') {
          const e = text[++i];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
          if (e === 'x') { s += String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 3), 16)); i += 3; continue; }
          if (e === 'u') { s += String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 5), 16)); i += 5; continue; }
          s += map[e] ?? `\\${e}`;
          i++;
          continue;
        }
        s += text[i++];
      }
      i++;
      return s;
    }
    const word = /^(True|False|None|-?(\d+\.?\d*(e[-+]?\d+)?|\.\d+))/i.exec(text.slice(i));
    if (!word) return fail();
    i += word[0].length;
    return word[0] === 'True' ? true : word[0] === 'False' ? false : word[0] === 'None' ? null : /^(true|false|none)$/i.test(word[0]) ? fail() : Number(word[0]);
  };
  const v = value();
  ws();
  if (i < text.length) fail();
  return v;
}
