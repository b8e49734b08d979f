// What a host's run reports of each task: the shape the report, the live view and load tests read.
import type { Change } from './module.ts';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'conditional' | 'unreachable';
export type TaskResult = { play: string; task: string; module: string; status: TaskStatus; changes: Change[]; error?: string; where: string; noLog: boolean; ms?: number;
  /** A failure its task's `ignore_errors` let pass (or an unreachable host its `ignore_unreachable`): reported, counted as ignored (not failed), as Ansible's recap does. */
  ignored?: boolean;
  /** What a module that runs on this machine said (debug's message). */
  msg?: string;
  /** A failure a block's rescue took over: reported, counted as rescued (not failed), as Ansible's recap does. */
  rescued?: boolean;
  /** run_once: the task ran on this host of the batch, and this host took its result (nothing ran here). */
  ranOn?: string };
