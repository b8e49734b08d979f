// Whether a play reads `hostvars` anywhere (its vars, its tasks' arguments, conditions and loops, the template
// files they render): then its hosts wait for each other's facts before its first task, so that
// hostvars[other].ansible_* is there as in Ansible, where every host gathers before any task runs.
import type { ModuleDef } from '../module.ts';
import { readTextFile, resolveLocal } from '../local-files.ts';
import { isTemplated } from '../vars/template.ts';
import type { PlayDef, TaskDef } from './types.ts';

const READS = /\bhostvars\b/;

const mentions = (v: unknown): boolean => READS.test(JSON.stringify(v ?? null));

function taskReads(t: TaskDef, play: PlayDef, modules: ReadonlyMap<string, ModuleDef>): boolean {
  if (mentions([t.args, t.when, t.loop, t.vars, t.defaults, t.changedWhen, t.failedWhen, t.until, t.delegateTo])) return true;
  for (const src of modules.get(t.module)?.localSources?.(t.args) ?? []) {
    if (src.kind !== 'template' || isTemplated(src.path)) continue;
    try {
      if (READS.test(readTextFile(resolveLocal(src.path, play.dir, t.role?.dir), 'template'))) return true;
    } catch {
      /* a missing template: validate has said so */
    }
  }
  return false;
}

export function readsHostvars(play: PlayDef, modules: ReadonlyMap<string, ModuleDef>): boolean {
  return mentions([play.vars, play.varsFiles, play.roleDefaults, play.roleVars]) || [...play.tasks, ...play.handlers].some((t) => taskReads(t, play, modules));
}
