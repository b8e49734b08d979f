// A playbook once loaded: plays and their tasks, each with the file:line:col it was written at.
import type { Where } from '../errors.ts';

export type TaskDef = {
  name: string;
  module: string;
  args: Record<string, unknown>;
  when?: unknown;
  loop?: unknown;
  register?: string;
  notify: string[];
  listen: string[];
  tags: string[];
  become?: boolean;
  ignoreErrors: boolean;
  noLog: boolean;
  where: Where;
  /** Where an argument (a path inside args) is written. */
  argWhere(path: Array<string | number>): Where;
  /** Where a task keyword's value is written (['when', 0], ['loop'] also finds with_items); the task's place when absent. */
  keyWhere(path: Array<string | number>): Where;
  /** Task and block `vars` (the task's winning), rendered when the task runs, for that task only. */
  vars?: Record<string, unknown>;
  /** changed_when / failed_when: conditions over the task's own result (its `register` name reads it). */
  changedWhen?: unknown[];
  failedWhen?: unknown[];
  /** Inside a block: where each condition of `when` (the blocks' first, then the task's own) is written. */
  whenWhere?: Where[];
};

/** A block: its tasks, what runs when one of them fails (rescue), and what runs in any case (always). */
export type BlockDef = { block: Item[]; rescue: Item[]; always: Item[]; name: string; where: Where };
export type Item = TaskDef | BlockDef;
export const isBlock = (i: Item): i is BlockDef => 'block' in i;

export type PlayDef = {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  become?: boolean;
  /** Every task, blocks' included, in the order written (block, then rescue, then always). */
  tasks: TaskDef[];
  /** The tasks and blocks as written: what a host runs. */
  body: Item[];
  handlers: TaskDef[];
  where: Where;
  /** The playbook's directory: template and copy sources resolve against it (and its templates/). */
  dir: string;
};
