// Ansible's YAML inventory: `all: {hosts, vars, children}`; other top-level keys are groups too.
// Read into the same declarations as the INI reader, each with the file:line:col of its key.
import { EXIT, UserError, type Where } from '../errors.ts';
import type { Decl } from './types.ts';
import { expandHostRange } from './patterns.ts';
import type { PositionedYaml, YamlPath } from '../yaml/positions.ts';

const GROUP_KEYS = ['hosts', 'vars', 'children'];

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const kind = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'empty' : typeof v === 'object' ? 'a mapping' : `the ${typeof v} ${JSON.stringify(v)}`);

/** Reads one YAML inventory document (already parsed with positions). */
export function parseYamlInventory(doc: PositionedYaml, file: string): Decl[] {
  const out: Decl[] = [];
  const where = (path: YamlPath, key = true): Where => {
    const p = (key ? doc.keyPos(path) : undefined) ?? doc.pos(path);
    return { file, line: p?.line ?? 0, col: p?.col ?? 0 };
  };
  function fail(path: YamlPath, message: string, key = true): never {
    const at = where(path, key);
    throw new UserError(`${at.line ? `${file}:${at.line}:${at.col}` : file}: ${message}`, EXIT.invalid);
  }
  const vars = (value: unknown, path: YamlPath, target: 'group' | 'host', names: string[], what: string) => {
    if (value === null || value === undefined) return;
    if (!isMap(value)) fail(path, `${what} must be a mapping of variables, not ${kind(value)}`, false);
    for (const [key, v] of Object.entries(value)) {
      for (const name of names) out.push({ kind: 'var', target, name, key, value: v, at: where([...path, key]) });
    }
  };
  const group = (name: string, body: unknown, path: YamlPath, parent?: string): void => {
    if (/[\s:,]/.test(name) || !name) fail(path, `"${name}" is not a usable group name (no spaces, ":" or ",")`);
    out.push({ kind: 'group', name, at: where(path) });
    if (parent) out.push({ kind: 'child', parent, child: name, at: where(path) });
    if (body === null || body === undefined) return;
    if (!isMap(body)) fail(path, `group "${name}" must be a mapping with hosts, vars or children, not ${kind(body)}`, false);
    for (const key of Object.keys(body)) {
      if (!GROUP_KEYS.includes(key)) fail([...path, key], `group "${name}" has an unknown key "${key}"; a group has hosts, vars and children`);
    }
    const hosts = body.hosts;
    if (hosts !== null && hosts !== undefined) {
      if (!isMap(hosts)) fail([...path, 'hosts'], `the hosts of group "${name}" must be a mapping of host names, not ${kind(hosts)}`, false);
      for (const [pattern, hv] of Object.entries(hosts)) {
        const hp = [...path, 'hosts', pattern];
        const at = where(hp);
        if (!pattern || /[\s,]/.test(pattern)) fail(hp, `"${pattern}" is not a usable host name (no spaces or ",")`);
        const m = /^(.*):(\d+)$/.exec(pattern);
        const port = m && !m[1].replace(/\[[^\]]*\]/g, '').includes(':') ? Number(m[2]) : undefined;
        const names = expandHostRange(port === undefined ? pattern : m![1], `${file}:${at.line}:${at.col}`);
        for (const h of names) {
          out.push({ kind: 'host', name: h, group: name, at });
          if (port !== undefined) out.push({ kind: 'var', target: 'host', name: h, key: 'ansible_port', value: port, at });
        }
        vars(hv, hp, 'host', names, `host "${pattern}"`);
      }
    }
    vars(body.vars, [...path, 'vars'], 'group', [name], `the vars of group "${name}"`);
    const children = body.children;
    if (children !== null && children !== undefined) {
      if (!isMap(children)) fail([...path, 'children'], `the children of group "${name}" must be a mapping of groups, not ${kind(children)}`, false);
      for (const [child, cb] of Object.entries(children)) group(child, cb, [...path, 'children', child], name);
    }
  };
  const root = doc.value;
  if (root === null || root === undefined) return out;
  if (!isMap(root)) fail([], `an inventory is a mapping of groups (all: {hosts, vars, children}), not ${kind(root)}`, false);
  if ('plugin' in root) fail(['plugin'], `inventory plugins (plugin: ${String(root.plugin)}) are not supported; list hosts and groups`);
  for (const [name, body] of Object.entries(root)) group(name, body, [name]);
  return out;
}
