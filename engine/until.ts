// until, retries and delay, as Ansible's task executor runs them: an item again while its condition over the
// item's own result does not hold.
import type { ItemOutcome } from './item-outcome.ts';
import type { Change } from './module.ts';
import type { TaskDef } from './playbook/types.ts';
import { type Tripwire, predicted, registered } from './register.ts';
import { conditionsHold } from './task-rules.ts';
import type { TaskScope } from './task-vars.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An item run again while `until` does not hold, up to retries + 1 times (3 without retries) with `delay`
 * seconds (5) between, as Ansible's until: the last attempt's outcome, its registered result with `attempts`;
 * failed when it never held. In --check, an until that reads what a command would have printed is conditional.
 */
export async function runUntil(task: TaskDef, scope: TaskScope, out: Change[], runItem: (out: Change[]) => Promise<ItemOutcome>, check: boolean,
  wire: Tripwire): Promise<ItemOutcome> {
  if (!task.until) return runItem(out);
  const attempts = task.retries === undefined ? 3 : task.retries <= 0 ? 1 : task.retries + 1;
  for (let attempt = 1; ; attempt++) {
    const changes: Change[] = [];
    const r = await runItem(changes);
    const done = (x: ItemOutcome, counted = attempt): ItemOutcome => {
      out.push(...changes);
      return { ...x, result: { ...x.result, attempts: counted } };
    };
    if (r.status === 'skipped' || r.status === 'conditional') return done(r);
    const result = r.simulated ? predicted(task.register ?? 'the result', r.status, wire)
      : { ...registered(r.status, r.output, r.result), attempts: attempt };
    wire.reset();
    let holds: boolean;
    try {
      holds = conditionsHold(task.until, task.register ? { ...scope.vars, [task.register]: result } : scope.vars);
    } catch (err) {
      const why = check ? wire.reason() : undefined;
      return done(why ? { ...r, status: 'conditional', error: `until ${why}` } : { ...r, status: 'failed', error: `until: ${(err as Error).message}` });
    }
    if (holds) return done(r);
    if (attempt >= attempts) {
      // Ansible records attempts - 1 when they ran out (its retries), and so does this.
      return done({ ...r, status: 'failed', error: r.error ?? `until did not hold after ${attempt} attempts: ${task.until.map(String).join(' and ')}` },
        attempts > 1 ? attempts - 1 : attempt);
    }
    await sleep((task.delay ?? 5) * 1000);
  }
}

