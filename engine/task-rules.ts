// changed_when and failed_when, pure: a task's status judged again from its own result, as Ansible's task
// executor does (changed_when first, then failed_when; the result is read through the task's `register` name).
import type { TaskDef } from './playbook/types.ts';
import type { TaskStatus } from './results.ts';
import { pyTruthy } from './vars/python.ts';
import { evaluate, renderValue } from './vars/template.ts';

/** Every condition holds (a bare expression or a {{ template }}), as `when`, changed_when and failed_when read them. */
export function conditionsHold(conds: unknown[], vars: Record<string, unknown>): boolean {
  for (const c of conds) {
    // A bare expression is judged by Python's truth of its value (an empty list is false); a {{ template }} by its text.
    if (typeof c === 'string' && !/\{\{/.test(c)) {
      if (!pyTruthy(evaluate(c, vars))) return false;
      continue;
    }
    const v = typeof c === 'string' ? renderValue(c, vars) : c;
    if (!pyTruthy(v) || v === 'False' || v === 'false') return false;
  }
  return true;
}

export const hasRules = (task: TaskDef) => task.changedWhen !== undefined || task.failedWhen !== undefined;

/**
 * The status after changed_when and failed_when, with `result` (what `register` would record) in scope under
 * the task's register name. A skipped task is not judged. failed_when replaces the module's own verdict (a
 * command exiting 1 under `failed_when: false` is not failed); the error says which rule failed it.
 */
export function judge(task: TaskDef, status: TaskStatus, error: string | undefined, vars: Record<string, unknown>,
  result: Record<string, unknown>, ranSteps: boolean): { status: TaskStatus; error?: string } {
  if (status === 'skipped' || !hasRules(task)) return error === undefined ? { status } : { status, error };
  const scope = task.register ? { ...vars, [task.register]: result } : vars;
  // A failed step changed the host as far as Ansible can tell (a command is changed whatever its exit code).
  let changed = status === 'changed' || (status === 'failed' && ranSteps);
  let failed = status === 'failed';
  if (task.changedWhen) changed = conditionsHold(task.changedWhen, scope);
  if (task.failedWhen) {
    failed = conditionsHold(task.failedWhen, scope);
    error = failed ? error ?? `failed_when held: ${task.failedWhen.map(String).join(' and ')}` : undefined;
  }
  return failed ? { status: 'failed', error } : { status: changed ? 'changed' : 'ok' };
}
