// Checks that need the inventory: undefined variables (where they can be known) and missing local files.
// Every problem is reported at the file:line:col of the string at fault.
import { statSync } from 'node:fs';
import { type Problem, formatProblem } from '../errors.ts';
import { type Item, type PlayDef, type TaskDef, isBlock, isInclude, isMeta } from './types.ts';
import type { ModuleDef } from '../module.ts';
import { readTextFile, resolveLocal, tooLarge } from '../local-files.ts';
import { TEMPLATE_VARS } from '../template-vars.ts';
import { isTemplated, undefinedVariables, unknownNames } from '../vars/template.ts';

export const MAGIC_VARS = ['inventory_hostname', 'inventory_hostname_short', 'group_names', 'groups', 'ansible_check_mode', 'playbook_dir',
  'ansible_play_hosts', 'ansible_play_batch', 'play_hosts', 'ansible_play_hosts_all', 'ansible_play_name', 'hostvars', 'omit'];

/** The variables a loop gives each item: its loop_var (item), index_var, ansible_loop_var, ansible_loop. */
const loopNames = (t: TaskDef) => [t.loopControl?.loopVar ?? 'item', 'ansible_loop_var', ...(t.loopControl?.indexVar ? [t.loopControl.indexVar] : []),
  ...(t.loopControl?.extended ? ['ansible_loop'] : [])];

/** What a rescue section may read: the task that failed and its result (as Ansible sets them there). */
const RESCUE_VARS = ['ansible_failed_task', 'ansible_failed_result'];

function strings(v: unknown, path: Array<string | number> = []): Array<[Array<string | number>, string]> {
  if (typeof v === 'string') return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, [...path, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => strings(x, [...path, k]));
  return [];
}

/**
 * Filters, tests and lookups provision does not have, in a task's templates and its template files: refused
 * wherever the task is, run or not; the same for every host, so looked for once per task.
 */
function lintTask(t: TaskDef, playDir: string, modules: ReadonlyMap<string, ModuleDef>, add: (p: Problem) => void): void {
  const lint = (text: string, where: Problem['where']) => {
    try {
      for (const message of unknownNames(text)) add({ where, message });
    } catch {
      /* a syntax error: checkPlays reports it */
    }
  };
  for (const [path, s] of strings(t.args)) if (isTemplated(s)) lint(s, t.argWhere(path));
  for (const [path, s] of strings(t.vars)) if (isTemplated(s)) lint(s, t.keyWhere(['vars', ...path]));
  for (const [key, list] of [['when', t.when], ['changed_when', t.changedWhen], ['failed_when', t.failedWhen], ['until', t.until]] as const) {
    const conds = list === undefined ? [] : Array.isArray(list) ? list : [list];
    conds.forEach((c, i) => {
      if (typeof c === 'string') lint(isTemplated(c) ? c : `{{ ${c} }}`, key === 'when' && t.whenWhere?.[i] ? t.whenWhere[i] : t.keyWhere(conds.length > 1 ? [key, i] : [key]));
    });
  }
  if (typeof t.loop === 'string') lint(t.loop, t.keyWhere(['loop']));
  for (const src of modules.get(t.module)?.localSources?.(t.args) ?? []) {
    if (src.kind !== 'template' || isTemplated(src.path)) continue;
    try {
      const text = readTextFile(resolveLocal(src.path, playDir, t.role?.dir), `${src.what} "${src.path}"`);
      for (const message of unknownNames(text)) add({ where: t.argWhere([src.arg]), message: `template ${src.path}: ${message}` });
    } catch {
      /* a missing or too large file: checkPlays reports it */
    }
  }
}

/** Lints every task of items; those of an include with a `when` into its deferred problems (refused if it runs). */
function lintItems(items: Item[], playDir: string, modules: ReadonlyMap<string, ModuleDef>, add: (p: Problem) => void): void {
  for (const i of items) {
    if (isBlock(i)) for (const part of [i.block, i.rescue, i.always]) lintItems(part, playDir, modules, add);
    else if (isInclude(i)) {
      lintTask(i.include, playDir, modules, add);
      const later = (p: Problem) => {
        if (!(i.deferred ??= []).some((d) => formatProblem(d) === formatProblem(p))) i.deferred.push(p);
      };
      lintItems(i.items, playDir, modules, i.include.when !== undefined ? later : add);
    } else if (!isMeta(i)) lintTask(i, playDir, modules, add);
  }
}

/** `known(host)` gives the names defined for a host (inventory, play vars, extra vars). */
export function checkPlays(plays: PlayDef[], hostsOf: (play: PlayDef) => string[], known: (play: PlayDef, host: string) => Set<string>,
  modules: ReadonlyMap<string, ModuleDef>): Problem[] {
  const problems = new Map<string, Problem>();
  const hostsFor = new Map<string, string[]>();
  const add = (p: Problem, host?: string) => {
    const k = `${p.where.file}:${p.where.line}:${p.where.col}:${p.message}`;
    problems.set(k, p);
    if (host) hostsFor.set(k, [...(hostsFor.get(k) ?? []), host]);
  };
  for (const play of plays) {
    lintItems(play.body, play.dir, modules, add);
    for (const t of play.handlers) lintTask(t, play.dir, modules, add);
    for (const host of hostsOf(play)) {
      const names = known(play, host);
      // After an include_vars of a file only running it can read, any name may be defined.
      let anyDefined = false;
      for (const m of MAGIC_VARS) names.add(m);
      // A task that may not run (its own or a block's `when`, or under an include's): Ansible renders its
      // arguments only once its condition held, so an undefined variable there is an error at run time, not here.
      const checkTask = (t: TaskDef, inRescue = false, withItem: string[] = [], guarded = false) => {
        const mayNotRun = guarded || t.when !== undefined;
        const scope = new Set(names);
        for (const n of withItem) scope.add(n);
        for (const k of Object.keys(t.defaults ?? {})) scope.add(k);
        if (inRescue) for (const n of RESCUE_VARS) scope.add(n);
        if (t.loop !== undefined) for (const n of loopNames(t)) scope.add(n);
        for (const k of Object.keys(t.vars ?? {})) scope.add(k);
        const report = (text: string, where: Problem['where'], always = false) => {
          const missing = undefinedVariables(text, (n) => scope.has(n));
          if ((mayNotRun && !always) || anyDefined) return;
          for (const v of missing) {
            add({ where, message: `undefined variable "${v}"` }, host);
          }
        };
        try {
          for (const [path, s] of strings(t.args)) if (isTemplated(s)) report(s, t.argWhere(path));
          const conds = t.when === undefined ? [] : Array.isArray(t.when) ? t.when : [t.when];
          conds.forEach((c, i) => {
            if (typeof c === 'string') report(isTemplated(c) ? c : `{{ ${c} }}`, t.whenWhere?.[i] ?? t.keyWhere(Array.isArray(t.when) ? ['when', i] : ['when']), !guarded && i === 0);
          });
          if (typeof t.loop === 'string') report(t.loop, t.keyWhere(['loop']), !guarded); // read before `when`
          // Task vars are not checked here: as in Ansible, one that cannot be rendered is an error only if read.
          // changed_when and failed_when read the task's own result through its register name.
          const own = new Set(scope);
          if (t.register) scope.add(t.register);
          for (const key of ['changed_when', 'failed_when', 'until'] as const) {
            const conds = (key === 'changed_when' ? t.changedWhen : key === 'failed_when' ? t.failedWhen : t.until) ?? [];
            conds.forEach((c, i) => {
              if (typeof c === 'string') report(isTemplated(c) ? c : `{{ ${c} }}`, t.keyWhere(conds.length > 1 ? [key, i] : [key]));
            });
          }
          scope.clear();
          for (const n of own) scope.add(n);
        } catch (err) {
          add({ where: t.where, message: `template syntax: ${(err as Error).message.split('\n')[0]}` });
        }
        for (const src of modules.get(t.module)?.localSources?.(t.args) ?? []) {
          if (isTemplated(src.path)) continue;
          try {
            const file = resolveLocal(src.path, play.dir, t.role?.dir, { dir: src.dir });
            const size = statSync(file).size;
            if (src.max !== undefined && size > src.max) throw tooLarge(`${src.what} "${src.path}"`, size, src.max);
            if (src.kind === 'template' && !mayNotRun && !anyDefined) {
              for (const v of undefinedVariables(readTextFile(file, `${src.what} "${src.path}"`), (n) => scope.has(n) || TEMPLATE_VARS.includes(n))) {
                add({ where: t.argWhere([src.arg]), message: `template ${src.path}: undefined variable "${v}"` }, host);
              }
            }
          } catch (err) {
            add({ where: t.argWhere([src.arg]), message: (err as Error).message });
          }
        }
        if (t.register) names.add(t.register);
        const sets = modules.get(t.module)?.localSets?.(t.args) ?? [];
        if (sets === 'any') anyDefined = true;
        else for (const n of sets) names.add(n);
      };
      const checkItems = (items: Item[], inRescue: boolean, withItem: string[] = [], guarded = false): void => {
        for (const i of items) {
          if (isInclude(i)) {
            checkTask(i.include, inRescue, withItem, guarded);
            checkItems(i.items, inRescue, [...withItem, ...(i.include.loop !== undefined ? loopNames(i.include) : [])], guarded || i.include.when !== undefined);
            continue;
          }
          if (isMeta(i)) continue;
          if (!isBlock(i)) { checkTask(i, inRescue, withItem, guarded); continue; }
          checkItems(i.block, inRescue, withItem, guarded);
          checkItems(i.rescue, true, withItem, guarded);
          checkItems(i.always, inRescue, withItem, guarded);
        }
      };
      checkItems(play.body, false);
      play.handlers.forEach((t) => checkTask(t));
    }
    // A variable undefined for some hosts only: say which.
    const all = hostsOf(play);
    for (const [k, hosts] of hostsFor) {
      const p = problems.get(k)!;
      if (hosts.length < all.length && !p.message.includes(' (hosts ')) p.message += ` (hosts ${hosts.join(', ')})`;
    }
    hostsFor.clear();
  }
  return [...problems.values()];
}
