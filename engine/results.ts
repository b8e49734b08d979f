// What a host's run reports of each task: the shape the report, the live view and load tests read.
import type { Change } from './module.ts';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'conditional' | 'unreachable';
import type { FileChange } from './view/upper.ts';

export type TaskResult = { play: string; task: string; module: string; status: TaskStatus; changes: Change[]; error?: string; where: string; noLog: boolean; ms?: number;
  /** A failure its task's `ignore_errors` let pass (or an unreachable host its `ignore_unreachable`): reported, counted as ignored (not failed), as Ansible's recap does. */
  ignored?: boolean;
  /** What a module that runs on this machine said (debug's message). */
  msg?: string;
  /** A failure a block's rescue took over: reported, counted as rescued (not failed), as Ansible's recap does. */
  rescued?: boolean;
  /** run_once: the task ran on this host of the batch, and this host took its result (nothing ran here). */
  ranOn?: string;
  /** The exact check (--check --exact): what the task did in the host's throwaway view (engine/view/). */
  view?: ViewReport };

/** Files the task would create, modify or delete, the service actions it asked for, what it left running (killed). */
export type ViewReport = { files: FileChange[]; intents: string[]; left: string[]; diffs?: Array<{ path: string; diff: string }> };
