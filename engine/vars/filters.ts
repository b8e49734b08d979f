// The filters Ansible users write, as Ansible and Jinja2 define them, on nunjucks: where nunjucks has one of the
// same name that differs (selectattr, select, int, quote, d...), Jinja2's wins. test/unit/jinja.test.ts renders a
// table of templates with Ansible's own Templar and with these, and compares.
import { createHash, randomInt } from 'node:crypto';
import { encrypt as cryptHash } from 'unixcrypt';
import { dump as yamlDump, load as yamlLoad } from 'js-yaml';
import { ANSIBLE_SCHEMA } from '../yaml/schema.ts';
import { isTuple, pyJson, pyRepr, pyStr, pyTruthy, pyTuple } from './python.ts';
import { pyRegExp, pyReplacement } from './regex.ts';

type Kw = Record<string, unknown> & { __keywords?: true };
/** nunjucks passes keyword arguments as a last object marked __keywords: split them off. */
export function splitKw(args: unknown[]): [unknown[], Kw] {
  const last = args.at(-1) as Kw | undefined;
  return last && typeof last === 'object' && last.__keywords ? [args.slice(0, -1), last] : [args, {}];
}
const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const seq = (v: unknown): unknown[] => (Array.isArray(v) ? v : typeof v === 'string' ? [...v] : isMap(v) ? Object.keys(v) : []);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const uniq = (xs: unknown[]) => xs.filter((x, i) => xs.findIndex((y) => same(x, y)) === i);

function combine(recursive: boolean, a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = recursive && isMap(out[k]) && isMap(v) ? combine(true, out[k] as Record<string, unknown>, v) : v;
  return out;
}

function flatten(v: unknown[], levels?: number, skipNulls = true): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (skipNulls && (x === null || x === 'None')) continue;
    if (Array.isArray(x) && (levels === undefined || levels > 0)) out.push(...flatten(x, levels === undefined ? undefined : levels - 1, skipNulls));
    else out.push(x);
  }
  return out;
}

/** Python's int(): a whole number, or a float's whole part, else the default. */
function toInt(v: unknown, dflt = 0, base = 10): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Math.trunc(v);
  const s = String(v).trim();
  if (base !== 10 && /^[-+]?(0[xob])?[0-9a-f]+$/i.test(s)) return Number.parseInt(s.replace(/^([-+]?)0[xob]/i, '$1'), base);
  if (/^[-+]?\d+$/.test(s)) return Number(s);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Math.trunc(Number(s));
  return dflt;
}

/** shlex.quote: unchanged when only safe characters, else single-quoted. */
const shlexQuote = (v: unknown) => {
  const s = pyStr(v);
  if (s === '') return "''";
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'"'"'`)}'`;
};

/**
 * Python's '%.Nf': as toFixed, but an exact tie (2.25 to one place: the double is exactly 2.25) goes to the even
 * digit, as Python rounds the exact binary value half to even; toFixed rounds it up.
 */
function fixed(x: number, places: number): string {
  const out = x.toFixed(places);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return out;
  const exact = x.toFixed(100);
  const cut = exact.indexOf('.') + 1 + places;
  if (!/^50*$/.test(exact.slice(cut))) return out;
  const kept = exact.slice(0, places ? cut : cut - 1);
  return Number(kept.slice(-1)) % 2 === 0 ? kept : out;
}

/** Python's `fmt % args`: %s %r %d %i %f %x %o %e %%, with flags, width and precision. */
export function pyFormat(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([srdifxXoeE%])/g, (_m, flags: string, width?: string, prec?: string, conv?: string) => {
    if (conv === '%') return '%';
    const v = args[i++];
    let out: string;
    switch (conv) {
      case 's': out = pyStr(v); if (prec !== undefined) out = out.slice(0, Number(prec)); break;
      case 'r': out = pyRepr(v); break;
      case 'd': case 'i': out = String(Math.trunc(Number(v))); break;
      case 'f': out = fixed(Number(v), prec === undefined ? 6 : Number(prec)); break;
      case 'e': case 'E': out = Number(v).toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2'); if (conv === 'E') out = out.toUpperCase(); break;
      case 'x': out = Math.trunc(Number(v)).toString(16); break;
      case 'X': out = Math.trunc(Number(v)).toString(16).toUpperCase(); break;
      default: out = Math.trunc(Number(v)).toString(8);
    }
    if (flags.includes('+') && /^[difeE]$/.test(conv!) && Number(v) >= 0) out = `+${out}`;
    const w = Number(width ?? 0);
    return flags.includes('-') ? out.padEnd(w) : flags.includes('0') && /^[difxXoeE]$/.test(conv!) ? out.padStart(w, '0') : out.padStart(w);
  });
}

/** Python's str.splitlines(): no terminator kept, none at the end making an empty last line. */
const splitlines = (s: string) => {
  const lines = s.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  if (/(\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])$/.test(s)) lines.pop();
  return lines;
};

/** Jinja2 3.1's indent: blank lines and the first line left as they are unless asked (nunjucks indents them all). */
function indent(v: unknown, ...args: unknown[]): string {
  const [pos, kw] = splitKw(args);
  const width = pos[0] ?? kw.width ?? 4;
  const first = Boolean(pos[1] ?? kw.first ?? false);
  const blank = Boolean(pos[2] ?? kw.blank ?? false);
  const by = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const lines = splitlines(`${pyStr(v)}\n`); // Jinja2's own quirk, for splitlines
  let out = blank ? lines.join(`\n${by}`) : [lines[0], ...lines.slice(1).map((l) => (l ? by + l : l))].join('\n');
  if (first) out = by + out;
  return out;
}

const SALT_CHARS = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Ansible's password_hash for sha512 and sha256 (crypt(3)'s $6$ and $5$, by the unixcrypt package): with a salt
 * the same hash every run; without one a random 16-character salt, so a new hash every run, as in Ansible.
 */
function passwordHash(v: unknown, hashtype = 'sha512', salt?: unknown, ...rest: unknown[]): string {
  const [pos, kw] = splitKw(rest);
  const id = { sha512: '6', sha256: '5' }[String(hashtype)];
  if (!id) throw new Error(`password_hash: the hash type ${JSON.stringify(hashtype)} is not supported yet (sha512 and sha256 are)`);
  const rounds = pos[0] ?? kw.rounds;
  let s = salt === undefined || salt === null ? Array.from({ length: 16 }, () => SALT_CHARS[randomInt(SALT_CHARS.length)]).join('') : pyStr(salt);
  if ([...s].some((c) => !SALT_CHARS.includes(c))) throw new Error('password_hash: invalid characters in salt');
  s = s.slice(0, 16);
  return cryptHash(pyStr(v), `$${id}$${rounds === undefined || rounds === null ? '' : `rounds=${Number(rounds)}$`}${s}`);
}

const hashOf = (algo: string, v: unknown) => createHash(algo === 'sha' ? 'sha1' : algo).update(pyStr(v)).digest('hex');

/** Filters by name; `apply(name)` finds one (these, then nunjucks' own) for map(). */
export function filters(apply: (name: string) => ((...a: unknown[]) => unknown) | undefined): Record<string, (...a: any[]) => unknown> {
  return {
    default: (v: unknown, dflt: unknown = '', boolean = false) => (v === undefined || (boolean && !pyTruthy(v)) ? dflt : v),
    d: (v: unknown, dflt: unknown = '', boolean = false) => (v === undefined || (boolean && !pyTruthy(v)) ? dflt : v),
    bool: (v: unknown) => (typeof v === 'boolean' ? v : typeof v === 'string' ? /^(yes|on|1|true)$/i.test(v.trim()) : v === 1),
    int: (v: unknown, dflt = 0, base = 10) => toInt(v, dflt, base),
    float: (v: unknown, dflt = 0.0) => {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      return Number.isNaN(n) || String(v).trim() === '' ? dflt : n;
    },
    string: (v: unknown) => pyStr(v),
    indent,
    password_hash: passwordHash,
    quote: shlexQuote,
    to_json: (v: unknown) => pyJson(v),
    to_nice_json: (v: unknown, ...args: unknown[]) => pyJson(v, Number(splitKw(args)[1].indent ?? 4), true),
    from_json: (v: unknown) => JSON.parse(String(v)),
    to_yaml: (v: unknown) => yamlDump(v, { flowLevel: 1, lineWidth: -1 }),
    to_nice_yaml: (v: unknown, ...args: unknown[]) => yamlDump(v, { indent: Number(splitKw(args)[1].indent ?? 4), sortKeys: true, seqNoIndent: true, lineWidth: -1 }),
    from_yaml: (v: unknown) => yamlLoad(String(v), { schema: ANSIBLE_SCHEMA }),
    mandatory: (v: unknown, msg?: string) => {
      if (v === undefined) throw new Error(msg ?? 'Mandatory variable not defined.');
      return v;
    },
    ternary: (v: unknown, t: unknown, f: unknown, none?: unknown) => (v === null && none !== undefined ? none : pyTruthy(v) ? t : f),
    regex_replace: (v: unknown, pattern: string, replacement = '', ...rest: unknown[]) => {
      const [pos, kw] = splitKw(rest);
      const o = { ignorecase: Boolean(pos[0] ?? kw.ignorecase), multiline: Boolean(pos[1] ?? kw.multiline) };
      const count = Number(pos[2] ?? kw.count ?? 0);
      const rep = pyReplacement(String(replacement));
      if (!count) return pyStr(v).replace(pyRegExp(pattern, { ...o, global: true }), rep);
      let n = 0;
      return pyStr(v).replace(pyRegExp(pattern, { ...o, global: true }), (...m) => (n++ < count ? String(m[0]).replace(pyRegExp(pattern, o), rep) : m[0]));
    },
    regex_search: (v: unknown, pattern: string, ...rest: unknown[]) => {
      const [groups, kw] = splitKw(rest);
      const m = pyRegExp(pattern, { ignorecase: Boolean(kw.ignorecase), multiline: Boolean(kw.multiline) }).exec(pyStr(v));
      if (!m) return null;
      if (!groups.length) return m[0];
      return groups.map((g) => {
        const s = String(g);
        const num = /^\\(\d+)$/.exec(s);
        const name = /^\\g<(\w+)>$/.exec(s);
        return num ? m[Number(num[1])] : name ? m.groups?.[name[1]] : undefined;
      });
    },
    regex_findall: (v: unknown, pattern: string, ...rest: unknown[]) => {
      const [pos, kw] = splitKw(rest);
      const re = pyRegExp(pattern, { multiline: Boolean(pos[0] ?? kw.multiline), ignorecase: Boolean(pos[1] ?? kw.ignorecase), global: true });
      return [...pyStr(v).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? m[1] : m.slice(1)));
    },
    regex_escape: (v: unknown) => pyStr(v).replace(/[^\w]/g, (c) => `\\${c}`),
    b64encode: (v: unknown) => Buffer.from(pyStr(v), 'utf8').toString('base64'),
    b64decode: (v: unknown) => Buffer.from(pyStr(v), 'base64').toString('utf8'),
    basename: (v: unknown) => pyStr(v).split('/').at(-1)!,
    dirname: (v: unknown) => {
      const s = pyStr(v);
      return s.includes('/') ? s.slice(0, s.lastIndexOf('/')).replace(/(.)\/+$/, '$1') || '/' : '';
    },
    combine: (...args: unknown[]) => {
      const [dicts, kw] = splitKw(args);
      return flatten(dicts, 1, false).filter(isMap).reduce((a: Record<string, unknown>, b) => combine(Boolean(kw.recursive), a, b as Record<string, unknown>), {});
    },
    dict2items: (v: Record<string, unknown>, ...args: unknown[]) => {
      const kw = splitKw(args)[1];
      return Object.entries(v).map(([k, x]) => ({ [String(kw.key_name ?? 'key')]: k, [String(kw.value_name ?? 'value')]: x }));
    },
    items2dict: (v: Array<Record<string, unknown>>, ...args: unknown[]) => {
      const kw = splitKw(args)[1];
      return Object.fromEntries(v.map((x) => [String(x[String(kw.key_name ?? 'key')]), x[String(kw.value_name ?? 'value')]]));
    },
    flatten: (v: unknown[], ...args: unknown[]) => {
      const [pos, kw] = splitKw(args);
      const levels = pos[0] ?? kw.levels;
      return flatten(v, levels === undefined || levels === null ? undefined : Number(levels), kw.skip_nulls !== false);
    },
    unique: (v: unknown) => uniq(seq(v)),
    union: (a: unknown, b: unknown) => uniq([...seq(a), ...seq(b)]),
    intersect: (a: unknown, b: unknown) => uniq(seq(a).filter((x) => seq(b).some((y) => same(x, y)))),
    difference: (a: unknown, b: unknown) => uniq(seq(a).filter((x) => !seq(b).some((y) => same(x, y)))),
    symmetric_difference: (a: unknown, b: unknown) => uniq([...seq(a).filter((x) => !seq(b).some((y) => same(x, y))), ...seq(b).filter((x) => !seq(a).some((y) => same(x, y)))]),
    min: (v: unknown) => seq(v).reduce((m: any, x: any) => (m === undefined || x < m ? x : m), undefined),
    max: (v: unknown) => seq(v).reduce((m: any, x: any) => (m === undefined || x > m ? x : m), undefined),
    split: (v: unknown, sep?: string) => (sep === undefined ? pyStr(v).trim().split(/\s+/).filter(Boolean) : pyStr(v).split(sep)),
    zip: (...lists: unknown[][]) => Array.from({ length: Math.min(...lists.map((l) => l.length)) }, (_, i) => pyTuple(lists.map((l) => l[i]))),
    // Python's list(): a str's characters, a mapping's keys, a tuple's items as a list (nunjucks' gives key/value objects).
    list: (v: unknown) => [...seq(v instanceof String ? v.valueOf() : v)],
    // Jinja2's dictsort: (key, value) tuples sorted by key or value, case-insensitively unless told.
    dictsort: (v: Record<string, unknown>, caseSensitive = false, by = 'key', reverse = false) => {
      if (by !== 'key' && by !== 'value') throw new Error("You can only sort by either 'key' or 'value'");
      const at = by === 'key' ? 0 : 1;
      const norm = (x: unknown) => (typeof x === 'string' && !caseSensitive ? x.toLowerCase() : x) as any;
      const sorted = Object.entries(v).sort((a, b) => (norm(a[at]) < norm(b[at]) ? -1 : norm(a[at]) > norm(b[at]) ? 1 : 0)).map((e) => pyTuple(e));
      return reverse ? sorted.reverse() : sorted;
    },
    hash: (v: unknown, algo = 'sha1') => hashOf(algo, v),
    checksum: (v: unknown) => hashOf('sha1', v),
    sha1: (v: unknown) => hashOf('sha1', v),
    md5: (v: unknown) => hashOf('md5', v),
    type_debug: (v: unknown) => (v === null ? 'NoneType' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float')
      : typeof v === 'string' ? 'str' : isTuple(v) ? 'tuple' : Array.isArray(v) ? 'list' : 'dict'),
    format: (fmt: unknown, ...args: unknown[]) => pyFormat(pyStr(fmt), splitKw(args)[0]),
    map: (v: unknown, ...args: unknown[]) => {
      const [pos, kw] = splitKw(args);
      const items = seq(v);
      if (kw.attribute !== undefined) {
        return items.map((x) => String(kw.attribute).split('.').reduce((o: any, k) => (o == null ? undefined : o[k]), x) ?? kw.default);
      }
      const f = apply(String(pos[0]));
      if (!f) throw new Error(`no filter named "${pos[0]}"`);
      return items.map((x) => f(x, ...pos.slice(1)));
    },
  };
}
