// Loops as Ansible has them: `loop:` (a list), and the with_* forms, each the lookup plugin of its name turning
// its terms into items (with_items flattens one level, with_dict gives key/value pairs, with_together zips,
// with_nested multiplies, with_subelements pairs each mapping with each of its sub-list's items, with_sequence
// counts as text, with_indexed_items numbers, with_fileglob and with_lines ask this machine); and loop_control
// (loop_var, index_var, label, pause, extended). Pure but for fileglob and lines, which read this machine.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { pyFormat } from './vars/filters.ts';
import { firstFound } from './vars/lookups.ts';

/** The with_* forms provision runs (the rest are refused by name at load). */
export const WITH_LOOKUPS = ['items', 'list', 'dict', 'together', 'nested', 'cartesian', 'subelements', 'sequence', 'indexed_items', 'fileglob', 'lines',
  'first_found'];

export type LoopControl = { loopVar: string; indexVar?: string; label?: string; pause?: number; extended?: boolean };

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

function product(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((a) => l.map((x) => [...a, x])), [[]]);
}

/** with_sequence's terms: "start=1 end=5 stride=1 format=web%02d", "count=3", or the shortcut "1-5/2:host%d". */
function sequence(term: string): string[] {
  const o: Record<string, string> = {};
  const short = /^(\d+)-(\d+)(?:\/(\d+))?(?::(.+))?$/.exec(term.trim());
  if (short) Object.assign(o, { start: short[1], end: short[2], ...(short[3] ? { stride: short[3] } : {}), ...(short[4] ? { format: short[4] } : {}) });
  else for (const w of term.trim().split(/\s+/)) if (w.includes('=')) o[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  const num = (s: string | undefined, d: number) => (s === undefined ? d : Number.parseInt(s, /^0x/i.test(s) ? 16 : /^0o?\d/.test(s) && s.length > 1 ? 8 : 10));
  const start = num(o.start, 1);
  const stride = num(o.stride, 1);
  const end = o.count !== undefined ? start + (num(o.count, 0) - 1) * stride : num(o.end, start);
  if (!stride) throw new Error('with_sequence: stride 0');
  const out: string[] = [];
  for (let i = start; stride > 0 ? i <= end : i >= end; i += stride) out.push(pyFormat(o.format ?? '%d', [i]));
  return out;
}

/** Files matching a pattern (wildcards in its last part), in the playbook's (or role's) files/ when relative. */
function fileglob(pattern: string, dirs: string[]): string[] {
  const candidates = isAbsolute(pattern) ? [pattern] : dirs.map((d) => join(d, pattern));
  for (const c of candidates) {
    const dir = dirname(c);
    const re = new RegExp(`^${c.slice(dir.length + 1).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const hits = names.filter((n) => re.test(n)).map((n) => join(dir, n)).filter((p) => statSync(p).isFile()).sort();
    if (hits.length) return hits;
  }
  return [];
}

/** The items of a loop from its rendered terms; `lookup` is the with_* name (undefined for `loop:`). */
export function expandLoop(lookup: string | undefined, terms: unknown, where: { playDir?: string; rolePath?: string } = {}): unknown[] {
  switch (lookup) {
    case undefined:
      if (!Array.isArray(terms)) throw new Error(`loop must give a list, not ${JSON.stringify(terms)}`);
      return terms;
    case 'items': return asList(terms).flatMap((t) => (Array.isArray(t) ? t : [t]));
    case 'list': return asList(terms);
    case 'indexed_items': return asList(terms).flatMap((t) => (Array.isArray(t) ? t : [t])).map((x, i) => [i, x]);
    case 'dict':
      if (!isMap(terms)) throw new Error(`with_dict expects a mapping, not ${JSON.stringify(terms)}`);
      return Object.entries(terms).map(([key, value]) => ({ key, value }));
    case 'together': {
      const lists = asList(terms).map(asList);
      return Array.from({ length: Math.max(0, ...lists.map((l) => l.length)) }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
    }
    case 'nested':
    case 'cartesian': return product(asList(terms).map(asList));
    case 'subelements': {
      const [list, key, flags] = asList(terms) as [unknown, unknown, unknown];
      const skip = isMap(flags) && flags.skip_missing === true;
      return asList(list).flatMap((parent) => {
        const subs = isMap(parent) ? String(key).split('.').reduce((o: any, k) => (o == null ? undefined : o[k]), parent) : undefined;
        if (subs === undefined) {
          if (skip) return [];
          throw new Error(`with_subelements: "${key}" is missing in ${JSON.stringify(parent)}`);
        }
        if (!Array.isArray(subs)) throw new Error(`with_subelements: "${key}" is not a list in ${JSON.stringify(parent)}`);
        return subs.map((s) => [parent, s]);
      });
    }
    case 'sequence': return asList(terms).flatMap((t) => sequence(String(t)));
    case 'fileglob': {
      const dirs = [where.rolePath && join(where.rolePath, 'files'), where.rolePath, where.playDir && join(where.playDir, 'files'), where.playDir].filter(Boolean) as string[];
      return asList(terms).flatMap((t) => fileglob(String(t), dirs));
    }
    case 'first_found': return firstFound(asList(terms), { role_path: where.rolePath, playbook_dir: where.playDir });
    case 'lines': return asList(terms).flatMap((t) => execFileSync('/bin/sh', ['-c', String(t)], { encoding: 'utf8' }).split('\n').filter((l, i, a) => l !== '' || i < a.length - 1));
    default: throw new Error(`with_${lookup} is not supported yet`);
  }
}

/** The variables of item `index` of `items`: the loop variable, index_var, and ansible_loop when extended. */
export function loopVars(control: LoopControl | undefined, items: unknown[], index: number): Record<string, unknown> {
  const c = control ?? { loopVar: 'item' };
  const out: Record<string, unknown> = { [c.loopVar]: items[index], ansible_loop_var: c.loopVar };
  if (c.indexVar) out[c.indexVar] = index;
  if (c.extended) {
    out.ansible_loop = {
      allitems: items, index: index + 1, index0: index, revindex: items.length - index, revindex0: items.length - index - 1,
      first: index === 0, last: index === items.length - 1, length: items.length,
      ...(index > 0 ? { previtem: items[index - 1] } : {}), ...(index < items.length - 1 ? { nextitem: items[index + 1] } : {}),
    };
  }
  return out;
}
