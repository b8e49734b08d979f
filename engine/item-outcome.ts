// What one loop item of a task (or a task without a loop) came to: host-run.ts, until.ts and local-run.ts pass it.
import type { Effect } from './module.ts';
import type { StepOutput } from './register.ts';
import type { TaskStatus } from './results.ts';

/** What one loop item (or a task without a loop) came to. */
export type ItemOutcome = { status: TaskStatus; error?: string; output?: StepOutput; simulated?: boolean; result?: Record<string, unknown>; msg?: string;
  /** check_mode: false in --check: what the task really did, to join the predictions if it changed something. */
  effects?: Effect[] };
