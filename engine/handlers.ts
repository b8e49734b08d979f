// Handlers: what a task's result notifies, and which handlers run at the end of the play (in the play's order).
import type { TaskDef } from './playbook/types.ts';
import type { TaskStatus } from './results.ts';

export class Notifications {
  private names = new Set<string>();

  /** A changed task notifies its handlers; in check mode a conditional one does too (it may change). */
  record(task: TaskDef, status: TaskStatus, check: boolean): void {
    if (status === 'changed' || (status === 'conditional' && check)) task.notify.forEach((n) => this.names.add(n));
  }

  /** After a flush (meta: flush_handlers), a handler runs again only if notified again. */
  clear(): void {
    this.names.clear();
  }

  /** A handler runs when notified by its name or by a topic it listens to. */
  wants(handler: TaskDef): boolean {
    return this.names.has(handler.name) || handler.listen.some((l) => this.names.has(l));
  }
}
