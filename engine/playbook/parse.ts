// Playbooks: YAML -> typed plays and tasks, with the file:line:col of every part kept for errors.
// Structure and module arguments are checked here, before any connection; problems are collected, not thrown.
import { PY_KEYWORDS, isVarName } from '../vars/python.ts';
import { readTextFile } from '../local-files.ts';
import { dirname, relative, resolve } from 'node:path';
import type { Problem } from '../errors.ts';
import type { ModuleDef } from '../module.ts';
import type { MetaDef, PlayDef, TaskDef } from './types.ts';
import { loadWithPositions } from '../yaml/positions.ts';
import { parseItems } from './block.ts';
import { type Path, type PlayParts, Reader, isMap, list } from './reader.ts';
import { roleEntry } from './roles.ts';
import { findFile, readVarsFile, shown, yamlProblem } from './files.ts';
import { isTemplated } from '../vars/template.ts';
import { NOTHING, environmentOf } from './task.ts';

export const PLAY_KEYS = new Set(['name', 'hosts', 'vars', 'become', 'become_user', 'become_method', 'check_mode', 'environment', 'tasks', 'handlers', 'gather_facts', 'tags', 'roles', 'pre_tasks', 'post_tasks',
  'vars_files', 'serial', 'any_errors_fatal', 'max_fail_percentage', 'strategy', 'ignore_unreachable']);
/** Ansible play keywords provision does not run yet: refused by name. */
export const PLAY_KEYWORDS_NOT_YET = new Set(['vars_prompt',
  'remote_user', 'become_flags',
  'collections', 'module_defaults', 'order', 'force_handlers', 'connection', 'port', 'run_once', 'diff',
  'ignore_errors', 'no_log', 'throttle', 'timeout', 'gather_subset', 'gather_timeout', 'fact_path']);
const IMPORT_KEYS = ['import_playbook', 'ansible.builtin.import_playbook', 'ansible.legacy.import_playbook'];

/** What an import_playbook hands the plays it imports: its vars (over theirs, as Ansible) and its tags. */
type Imported = { vars: Record<string, unknown>; tags: string[] };

export type { PlayDef, TaskDef } from './types.ts';

export function parsePlaybook(path: string, modules: ReadonlyMap<string, ModuleDef>): { plays: PlayDef[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const plays = playbookFile(path, modules, problems, [], { vars: {}, tags: [] });
  return { plays, problems };
}

/** The plays of one playbook file (those of the playbooks it imports in their place); `chain`: the files importing it. */
function playbookFile(path: string, modules: ReadonlyMap<string, ModuleDef>, problems: Problem[], chain: string[], imported: Imported): PlayDef[] {
  const file = relative(process.cwd(), resolve(path)) || path;
  let text: string;
  try {
    text = readTextFile(path, 'playbook');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    problems.push({ where: { file, line: 1, col: 1 }, message: e.code === 'EFBIG' ? e.message : `cannot read the playbook: ${e.code}` });
    return [];
  }
  let doc: ReturnType<typeof loadWithPositions>;
  try {
    doc = loadWithPositions(text, file);
  } catch (err) {
    problems.push(yamlProblem(err, file));
    return [];
  }
  const dir = dirname(resolve(path));
  const r = new Reader(file, doc, modules, problems, { playDir: dir, chain: [resolve(path)] });
  const at = (p: Path, key = false) => r.at(p, key);
  if (!Array.isArray(doc.value)) {
    problems.push({ where: at([]), message: 'a playbook is a list of plays' });
    return [];
  }
  const plays: PlayDef[] = [];
  doc.value.forEach((raw, i) => {
    if (!isMap(raw)) {
      problems.push({ where: at([i]), message: 'a play is a mapping with hosts and tasks' });
      return;
    }
    const importKey = IMPORT_KEYS.find((k) => k in raw);
    if (importKey) {
      plays.push(...importPlaybook(r, raw, i, importKey, [...chain, resolve(path)], imported));
      return;
    }
    for (const k of Object.keys(raw).filter((k) => !PLAY_KEYS.has(k))) {
      problems.push({ where: at([i, k], true), message: PLAY_KEYWORDS_NOT_YET.has(k) ? `the play keyword "${k}" is not supported yet` : `unknown play keyword "${k}"` });
    }
    if (typeof raw.hosts !== 'string' || !raw.hosts.trim()) problems.push({ where: at([i]), message: 'a play needs `hosts:` (a pattern such as all, a group or a host)' });
    if (raw.vars !== undefined && !isMap(raw.vars)) problems.push({ where: at([i, 'vars']), message: 'vars is a mapping' });
    else if (isMap(raw.vars)) {
      for (const k of Object.keys(raw.vars).filter((k) => !isVarName(k))) problems.push({ where: at([i, 'vars', k], true), message: `"${k}" is not a variable name${PY_KEYWORDS.includes(k) ? ' (a Python keyword)' : ''}` });
    }
    const section = (key: string): unknown[] => {
      const v = raw[key];
      if (v === undefined || v === null) return [];
      if (Array.isArray(v)) return v;
      problems.push({ where: at([i, key]), message: `${key} is a list` });
      return [];
    };
    // A play's tags are every one of its tasks' tags too (Ansible's inheritance); handlers run when notified.
    const parts: PlayParts = { handlers: [], roleDefaults: [], roleVars: [], seen: new Set() };
    const pr = new Reader(file, doc, modules, problems, { ...r.origin, play: parts });
    const playCheck = r.flag(raw, 'check_mode', [i]);
    const unreachable = r.flag(raw, 'ignore_unreachable', [i]);
    const inh = { ...NOTHING, ...(unreachable !== undefined ? { ignoreUnreachable: unreachable } : {}), tags: [...new Set([...list(raw.tags), ...imported.tags])], ...(playCheck !== undefined ? { checkMode: playCheck } : {}), environment: environmentOf(r, raw, [i]) };
    const flat: TaskDef[] = [];
    const pre = parseItems(pr, section('pre_tasks'), [i, 'pre_tasks'], 'task', inh, flat);
    const roles = section('roles').flatMap((one, j) => roleEntry(pr, one, [i, 'roles', j], inh, flat, parseItems));
    const main = parseItems(pr, section('tasks'), [i, 'tasks'], 'task', inh, flat);
    const post = parseItems(pr, section('post_tasks'), [i, 'post_tasks'], 'task', inh, flat);
    const handlerDefs: TaskDef[] = [];
    parseItems(pr, section('handlers'), [i, 'handlers'], 'handler', unreachable !== undefined ? { ...NOTHING, ignoreUnreachable: unreachable } : NOTHING, handlerDefs);
    // Handlers notified in pre_tasks run after them, and those of roles and tasks before post_tasks, as in Ansible.
    const flush = (where: Path): MetaDef[] => [{ meta: 'flush_handlers', task: { ...NOTHING, name: 'flush handlers', module: 'meta', args: {},
      notify: [], listen: [], ignoreErrors: false, noLog: false, where: at(where), argWhere: () => at(where), keyWhere: () => at(where) } }];
    const body = [...pre, ...(pre.length ? flush([i, 'pre_tasks']) : []), ...roles, ...main, ...(post.length ? flush([i, 'post_tasks']) : []), ...post];
    const play: PlayDef = {
      name: raw.name !== undefined ? String(raw.name) : String(raw.hosts),
      hosts: String(raw.hosts ?? ''),
      vars: { ...(isMap(raw.vars) ? raw.vars : {}), ...imported.vars },
      varsFiles: varsFiles(pr, raw.vars_files, [i, 'vars_files'], dir),
      roleDefaults: parts.roleDefaults,
      roleVars: parts.roleVars,
      become: r.flag(raw, 'become', [i]),
      becomeUser: r.becomeUser(raw, [i]),
      ...serialOf(r, raw.serial, [i, 'serial']),
      ...strategyOf(r, raw.strategy, [i, 'strategy']),
      ...(r.flag(raw, 'any_errors_fatal', [i]) ? { anyErrorsFatal: true } : {}),
      ...maxFailOf(r, raw.max_fail_percentage, [i, 'max_fail_percentage']),
      gatherFacts: r.flag(raw, 'gather_facts', [i]) ?? true,
      ...(unreachable ? { ignoreUnreachable: true } : {}),
      tasks: flat,
      body,
      handlers: [...parts.handlers, ...handlerDefs],
      where: at([i]),
      dir,
    };
    const handlerNames = new Set(play.handlers.flatMap((h) => [h.name, ...h.listen]));
    for (const t of flat) {
      for (const name of t.notify) {
        if (!handlerNames.has(name)) problems.push({ where: t.keyWhere(['notify']), message: `notify names no handler of this play: "${name}"` });
      }
    }
    plays.push(play);
  });
  return plays;
}

/**
 * `- import_playbook: FILE` among the plays: its plays in its place, found relative to the file naming it, read
 * when the playbook is (so a problem in it is reported before any connection); its vars over theirs and its
 * tags added to theirs, as Ansible does. A template in the name, and `when`, are not supported yet.
 */
function importPlaybook(r: Reader, raw: Record<string, unknown>, i: number, key: string, chain: string[], outer: Imported): PlayDef[] {
  for (const k of Object.keys(raw).filter((k) => ![key, 'name', 'vars', 'tags'].includes(k))) {
    r.problem(r.at([i, k], true), k === 'when' ? 'import_playbook: "when" is not supported yet' : `unknown keyword "${k}" on import_playbook`);
  }
  const name = raw[key];
  if (typeof name !== 'string' || !name) {
    r.problem(r.at([i, key]), 'import_playbook names a playbook file');
    return [];
  }
  if (isTemplated(name)) {
    r.problem(r.at([i, key]), 'import_playbook: a template in the file name is not supported yet (it is read when the playbook is)');
    return [];
  }
  if (raw.vars !== undefined && !isMap(raw.vars)) {
    r.problem(r.at([i, 'vars']), 'vars is a mapping');
    return [];
  }
  const abs = findFile(name, [r.origin.playDir]);
  if (!abs) {
    r.problem(r.at([i, key]), `import_playbook: playbook "${name}" not found (looked in ${shown(r.origin.playDir)})`);
    return [];
  }
  if (chain.includes(abs)) {
    r.problem(r.at([i, key]), `import_playbook: ${shown(abs)} imports itself (${[...chain.slice(chain.indexOf(abs)), abs].map(shown).join(' -> ')})`);
    return [];
  }
  const vars = { ...(isMap(raw.vars) ? raw.vars : {}), ...outer.vars };
  return playbookFile(abs, r.modules, r.problems, chain, { vars, tags: [...new Set([...list(raw.tags), ...outer.tags])] });
}

/**
 * strategy: linear (Ansible's default) or free. provision runs hosts independently in both and keeps linear's
 * observable order where it shows (run_once, end_play, serial, any_errors_fatal, hostvars: see play-sync.ts);
 * other strategies (host_pinned, debug) are not supported yet.
 */
function strategyOf(r: Reader, raw: unknown, p: Path): { strategy?: 'linear' | 'free' } {
  if (raw === undefined || raw === null) return {};
  if (raw === 'linear' || raw === 'free') return { strategy: raw };
  r.problem(r.at(p), typeof raw === 'string' ? `strategy: ${raw} is not supported yet (linear and free are)` : 'strategy names a strategy (linear, free)');
  return {};
}

/** max_fail_percentage: a number from 0 to 100 (a template is not supported yet). */
function maxFailOf(r: Reader, raw: unknown, p: Path): { maxFailPercentage?: number } {
  if (raw === undefined || raw === null) return {};
  const n = typeof raw === 'string' && /^\d+(\.\d+)?%?$/.test(raw.trim()) ? Number(raw.trim().replace(/%$/, '')) : raw;
  if (typeof n !== 'number' || !(n >= 0 && n <= 100)) {
    r.problem(r.at(p), typeof raw === 'string' && isTemplated(raw) ? 'max_fail_percentage: a template is not supported yet'
      : `max_fail_percentage: ${JSON.stringify(raw)} is not a percentage from 0 to 100`);
    return {};
  }
  return { maxFailPercentage: n };
}

/** serial: a batch size (a whole number, or a percentage like "30%"), or a list of them; a template is not supported yet. */
function serialOf(r: Reader, raw: unknown, p: Path): { serial?: Array<number | string> } {
  if (raw === undefined || raw === null) return {};
  const sizes = Array.isArray(raw) ? raw : [raw];
  const ok = sizes.every((s, j) => {
    const good = (typeof s === 'number' && Number.isInteger(s) && s >= 0) || (typeof s === 'string' && /^(\d+%?)$/.test(s.trim()));
    if (!good) {
      r.problem(r.at(Array.isArray(raw) ? [...p, j] : p), typeof s === 'string' && isTemplated(s) ? 'serial: a template is not supported yet'
        : `serial: ${JSON.stringify(s)} is not a number of hosts or a percentage like "30%"`);
    }
    return good;
  });
  if (!ok || !sizes.length) return {};
  return { serial: sizes.map((s) => (typeof s === 'string' && !s.trim().endsWith('%') ? Number(s) : typeof s === 'string' ? s.trim() : s)) };
}

/** vars_files: each a file of variables, relative to the playbook; a template in a name is not supported yet. */
function varsFiles(r: Reader, raw: unknown, p: Path, dir: string): PlayDef['varsFiles'] {
  if (raw === undefined || raw === null) return [];
  const names = Array.isArray(raw) ? raw : [raw];
  const out: PlayDef['varsFiles'] = [];
  names.forEach((n, j) => {
    const at = r.at(Array.isArray(raw) ? [...p, j] : p);
    if (typeof n !== 'string') {
      r.problem(at, Array.isArray(n) ? 'vars_files: a list of files to try in turn is not supported yet' : 'vars_files names files');
      return;
    }
    if (isTemplated(n)) {
      r.problem(at, 'vars_files: a template in a file name is not supported yet (the files are read when the playbook is)');
      return;
    }
    const abs = findFile(n, [dir]);
    if (!abs) {
      r.problem(at, `vars file "${n}" not found (looked in ${shown(dir)})`);
      return;
    }
    const vars = readVarsFile(r, abs, at, 'vars file');
    if (vars) out.push({ file: shown(abs), vars });
  });
  return out;
}
