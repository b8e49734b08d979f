// What a block, an import or a role hands down to the tasks in it, as Ansible does: its `when` (evaluated again
// for every task), its tags (added up), become, ignore_errors, ignore_unreachable and no_log (the default), vars
// (the inner winning).
import { type Inherited, delegateOf, environmentOf, varsOf } from './task.ts';
import { type Path, type Reader, list } from './reader.ts';

/** What a block (or an import, a role) hands down to the tasks in it: its when, tags, become, ignore_errors, no_log, vars. */
export function inheritFrom(r: Reader, raw: Record<string, unknown>, p: Path, inh: Inherited): Inherited {
  const when = raw.when === undefined ? [] : Array.isArray(raw.when) ? raw.when : [raw.when];
  return {
    ...inh,
    when: [...inh.when, ...when.map((cond, i) => ({ cond, where: r.at(Array.isArray(raw.when) ? [...p, 'when', i] : [...p, 'when']) }))],
    tags: [...new Set([...inh.tags, ...list(raw.tags)])],
    become: r.flag(raw, 'become', p) ?? inh.become,
    becomeUser: r.becomeUser(raw, p) ?? inh.becomeUser,
    checkMode: r.flag(raw, 'check_mode', p) ?? inh.checkMode,
    runOnce: r.flag(raw, 'run_once', p) ?? inh.runOnce,
    delegateTo: delegateOf(r, raw, p) ?? inh.delegateTo,
    environment: [...(inh.environment ?? []), ...environmentOf(r, raw, p)],
    ignoreErrors: r.flagOrTemplate(raw, 'ignore_errors', p) ?? inh.ignoreErrors,
    ignoreUnreachable: r.flag(raw, 'ignore_unreachable', p) ?? inh.ignoreUnreachable,
    noLog: r.flag(raw, 'no_log', p) ?? inh.noLog,
    vars: { ...inh.vars, ...varsOf(r, raw, p) },
  };
}
