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
};

export type PlayDef = {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  become?: boolean;
  tasks: TaskDef[];
  handlers: TaskDef[];
  where: Where;
  /** The playbook's directory: template and copy sources resolve against it (and its templates/). */
  dir: string;
};
