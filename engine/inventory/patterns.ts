// Host patterns as Ansible reads them: `web:&prod:!web3`, globs, `~regex`, `web[0:2]`; and host ranges `web[01:03]`.
import { EXIT, UserError } from '../errors.ts';
import type { Inventory } from './types.ts';

const MAX_RANGE = 10_000;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Expands host ranges: `web[01:03]` -> web01 web02 web03, `db[a:c]`, `n[0:10:5]`, several ranges in one
 * name. `where` ("FILE:LINE:COL") prefixes the error of a malformed range.
 */
export function expandHostRange(name: string, where: string): string[] {
  const m = /\[([^\]]*)\]/.exec(name);
  if (!m || !m[1].includes(':')) return [name];
  const fail = (msg: string): never => {
    throw new UserError(`${where}: host range "${name}": ${msg}`, EXIT.invalid);
  };
  const bounds = m[1].split(':');
  if (bounds.length > 3) fail('a range is [begin:end] or [begin:end:step]');
  const [beg = '', end = '', stepText = '1'] = bounds.map((b) => b.trim());
  const step = Number(stepText);
  if (!end) fail('the range has no end');
  if (!Number.isInteger(step) || step < 1) fail(`step "${stepText}" is not a positive integer`);
  let items: string[];
  if (/^[a-z]$/i.test(beg) && /^[a-z]$/i.test(end)) {
    const [i, j] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
    if (i > j) fail('begin comes after end');
    items = [...LETTERS.slice(i, j + 1)].filter((_, k) => k % step === 0);
  } else {
    const from = beg || '0';
    if (!/^\d+$/.test(from) || !/^\d+$/.test(end)) fail('bounds must be both numbers or both letters');
    // A leading zero sets the width: [01:10] gives 01..10; begin and end must then be the same width.
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
    if (width && end.length !== width) fail('zero-padded begin and end must have the same number of digits');
    const [i, j] = [Number(from), Number(end)];
    if (i > j) fail('begin is greater than end');
    if ((j - i) / step >= MAX_RANGE) fail(`more than ${MAX_RANGE} hosts`);
    items = [];
    for (let k = i; k <= j; k += step) items.push(String(k).padStart(width, '0'));
  }
  const head = name.slice(0, m.index);
  const tail = name.slice(m.index + m[0].length);
  return items.flatMap((x) => expandHostRange(`${head}${x}${tail}`, where));
}

/** The terms of a pattern: split on `,` and on `:` outside brackets (a `[0:2]` subscript stays whole). */
export function splitPattern(pattern: string): string[] {
  return pattern
    .split(',')
    .flatMap((part) => part.match(/(?:\[[^\]]*\]|[^\s:])+/g) ?? [])
    .filter(Boolean);
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** The hosts one term (without its `&`/`!`) matches, as a set of names. */
function matchTerm(inv: Inventory, term: string, pattern: string): Set<string> {
  if (inv.hosts.has(term)) return new Set([term]);
  let name = term;
  let slice: [number, number | undefined] | undefined;
  const sub = term.startsWith('~') ? null : /^(.+)\[(-?\d*)(?::(-?\d*))?\]$/.exec(term);
  if (sub && (sub[2] || sub[3] !== undefined)) {
    name = sub[1];
    const start = Number(sub[2] || 0);
    slice = sub[3] === undefined ? [start, start] : [start, sub[3] === '' ? undefined : Number(sub[3])];
  }
  let re: RegExp;
  try {
    re = name.startsWith('~') ? new RegExp(name.slice(1)) : globToRegExp(name);
  } catch (err) {
    throw new UserError(`host pattern "${pattern}": ${(err as Error).message}`, EXIT.invalid);
  }
  const groups = [...inv.groups.keys()].filter((g) => re.test(g));
  const found = new Set<string>();
  for (const h of inv.hosts.values()) if (h.groups.some((g) => groups.includes(g))) found.add(h.name);
  // Host names are tried when no group matched, or when the term is a glob or a regex.
  if (!groups.length || /[~*?.]/.test(name)) for (const h of inv.hosts.keys()) if (re.test(h)) found.add(h);
  if (!slice) return found;
  // `web[0]`, `web[1:]`, `web[-1]`: hosts by position (inventory order), the end inclusive.
  const list = [...inv.hosts.keys()].filter((h) => found.has(h));
  const at = (i: number) => (i < 0 ? list.length + i : i);
  const [from, to = list.length - 1] = slice;
  return new Set(list.slice(at(from), at(to) + 1));
}

/**
 * The hosts a pattern selects, in inventory order: `all`, `*`, groups, hosts, globs, `~regex`, unions
 * (`a:b`, `a,b`), then intersections (`a:&b`), then exclusions (`a:!b`). Nothing matched gives [].
 */
export function selectHosts(inv: Inventory, pattern: string): string[] {
  const terms = inv.hosts.has(pattern.trim()) ? [pattern.trim()] : splitPattern(pattern);
  const unions = terms.filter((t) => !/^[&!]/.test(t));
  const ordered = [...(unions.length ? unions : ['all']), ...terms.filter((t) => t.startsWith('&')), ...terms.filter((t) => t.startsWith('!'))];
  let selected = new Set<string>();
  for (const t of ordered) {
    const op = t[0] === '&' || t[0] === '!' ? t[0] : '';
    const hits = matchTerm(inv, op ? t.slice(1) : t, pattern);
    if (op === '&') selected = new Set([...selected].filter((h) => hits.has(h)));
    else if (op === '!') selected = new Set([...selected].filter((h) => !hits.has(h)));
    else hits.forEach((h) => selected.add(h));
  }
  return [...inv.hosts.keys()].filter((h) => selected.has(h));
}
