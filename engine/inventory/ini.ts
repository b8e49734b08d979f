// Ansible's INI inventory, read by hand: [group], [group:vars], [group:children], host lines with
// key=value variables, host ranges, and # or ; comments. The result is a list of declarations.
import { EXIT, UserError, type Where } from '../errors.ts';
import type { Decl } from './types.ts';
import { expandHostRange } from './patterns.ts';

type Token = { text: string; raw: string; col: number };

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const BECOME = new Set(['ansible_become', 'become']);

function fail(at: Where, message: string): never {
  throw new UserError(`${at.file}:${at.line}:${at.col}: ${message}`, EXIT.invalid);
}

/** Splits a host line as a shell would: whitespace-separated, quotes kept together, `#` starts a comment. */
function tokenize(line: string, at: Where): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length || line[i] === '#') break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i])) {
      const c = line[i];
      if (c === '"' || c === "'") {
        const close = line.indexOf(c, i + 1);
        if (close < 0) fail({ ...at, col: i + 1 }, `unterminated ${c === '"' ? 'double' : 'single'} quote`);
        const inner = line.slice(i + 1, close);
        text += c === '"' ? inner.replace(/\\(.)/g, '$1') : inner;
        i = close + 1;
      } else if (c === '\\' && i + 1 < line.length) {
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text, raw: line.slice(start, i), col: start + 1 });
  }
  return out;
}

/**
 * A value as the INI format types it: a plain integer becomes a number, yes/no/true/false a boolean for
 * the become keys only; anything else (and a quoted integer) stays a string.
 */
export function iniValue(key: string, value: string, quoted: boolean): unknown {
  if (BECOME.has(key) && /^(true|false|yes|no)$/i.test(value)) return /^(true|yes)$/i.test(value);
  if (!quoted && /^-?(0|[1-9]\d*)$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

/** `key=value` from a host line's token (the value may be quoted). */
function assignment(tok: Token, at: Where): [string, unknown] {
  const eq = tok.text.indexOf('=');
  if (eq <= 0) fail({ ...at, col: tok.col }, `expected key=value after the host name, got "${tok.raw}"`);
  const key = tok.text.slice(0, eq);
  const quoted = /^[^=]*=["']/.test(tok.raw);
  return [key, iniValue(key, tok.text.slice(eq + 1), quoted)];
}

/** `key=value` from a [group:vars] line: everything after the first `=`, unquoted, a trailing ` # comment` dropped. */
function varLine(line: string, at: Where): [string, unknown] {
  const eq = line.indexOf('=');
  const key = line.slice(0, eq).trim();
  if (eq < 0 || !key || /\s/.test(key)) fail(at, `expected key=value, got "${line.trim()}"`);
  const rest = line.slice(eq + 1).trim();
  const q = /^(["'])(.*?)\1\s*(?:[#;].*)?$/.exec(rest);
  if (q) return [key, iniValue(key, q[1] === '"' ? q[2].replace(/\\(.)/g, '$1') : q[2], true)];
  return [key, iniValue(key, rest.replace(/\s+#.*$/, ''), false)];
}

/** The name and optional port of a host line's first word: `web1:2222`, `web[01:03]`, `10.0.0.5:22`. */
function hostAndPort(word: string): { name: string; port?: number } {
  const m = /^(.*):(\d+)$/.exec(word);
  if (m && !m[1].replace(/\[[^\]]*\]/g, '').includes(':')) return { name: m[1], port: Number(m[2]) };
  return { name: word };
}

/**
 * Reads one INI inventory file. `known` holds the groups defined by files read before this one;
 * a [x:children] or [x:vars] naming a group defined nowhere is an error, as in Ansible.
 */
export function parseIni(text: string, file: string, known: ReadonlySet<string> = new Set()): Decl[] {
  const out: Decl[] = [];
  const defined = new Set(['all', 'ungrouped', ...known]);
  const pending = new Map<string, { at: Where; message: string }>();
  let group = 'ungrouped';
  let state = 'hosts';
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed[0] === '#' || trimmed[0] === ';') return;
    const at: Where = { file, line: i + 1, col: line.length - line.trimStart().length + 1 };
    const section = SECTION.exec(trimmed);
    if (section) {
      group = section[1];
      state = section[2] ?? 'hosts';
      if (!['hosts', 'vars', 'children'].includes(state)) fail(at, `[${group}:${state}] is not a section kind; use [${group}], [${group}:vars] or [${group}:children]`);
      if (state === 'vars' && !defined.has(group) && !pending.has(group)) {
        pending.set(group, { at, message: `[${group}:vars] sets variables of group "${group}", which is not defined` });
      }
      if (state !== 'vars') {
        defined.add(group);
        pending.delete(group);
      }
      out.push({ kind: 'group', name: group, at });
      return;
    }
    if (trimmed.startsWith('[')) fail(at, `bad section header ${trimmed}: a section is [NAME], [NAME:vars] or [NAME:children], without spaces`);
    if (state === 'vars') {
      const [key, value] = varLine(trimmed, at);
      out.push({ kind: 'var', target: 'group', name: group, key, value, at });
    } else if (state === 'children') {
      const child = trimmed.replace(/\s+[#;].*$/, '');
      if (/[\s:,]/.test(child)) fail(at, `[${group}:children] lists one group name a line, got "${child}"`);
      if (!defined.has(child) && !pending.has(child)) {
        pending.set(child, { at, message: `[${group}:children] names group "${child}", which is not defined` });
      }
      out.push({ kind: 'child', parent: group, child, at });
    } else {
      const [first, ...rest] = tokenize(line, at);
      const { name, port } = hostAndPort(first.text);
      const vars = rest.map((t) => ({ at: { ...at, col: t.col }, kv: assignment(t, at) }));
      for (const host of expandHostRange(name, `${file}:${at.line}:${at.col}`)) {
        out.push({ kind: 'host', name: host, group, at });
        if (port !== undefined) out.push({ kind: 'var', target: 'host', name: host, key: 'ansible_port', value: port, at });
        for (const v of vars) out.push({ kind: 'var', target: 'host', name: host, key: v.kv[0], value: v.kv[1], at: v.at });
      }
    }
  });
  const [first] = pending.values();
  if (first) fail(first.at, first.message);
  return out;
}
