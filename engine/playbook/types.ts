// A playbook once loaded: plays and their tasks, each with the file:line:col it was written at.
import type { Problem, Where } from '../errors.ts';
import type { LoopControl } from '../loops.ts';

export type TaskDef = {
  name: string;
  module: string;
  args: Record<string, unknown>;
  when?: unknown;
  loop?: unknown;
  /** The with_* form of the loop ("items", "dict"...), undefined for `loop:`. */
  loopWith?: string;
  loopControl?: LoopControl;
  register?: string;
  notify: string[];
  listen: string[];
  tags: string[];
  become?: boolean;
  /** become_user of the task or of the blocks, role or import around it. */
  becomeUser?: string;
  /** A template (`"{{ ansible_check_mode }}"`) is judged when the task runs (task-control.ts resolvedFlags). */
  ignoreErrors: boolean | string;
  /** ignore_unreachable (of the task, or its blocks, role, play): the host unreachable at this task goes on. */
  ignoreUnreachable?: boolean;
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
  /** environment: the layers of the play, blocks, role and task (outermost first), rendered and merged at run time. */
  environment?: unknown[];
  /** check_mode of the task (or its block, role, play): false runs it for real in --check, true only simulates it. */
  checkMode?: boolean;
  /** run_once (of the task or its blocks): the first host of the batch runs it, every host gets its result. */
  runOnce?: boolean;
  /** delegate_to (of the task or its blocks): the host its module runs on, with this host's variables; a template. */
  delegateTo?: string;
  /** until (conditions over the task's own result), retries, delay (seconds). */
  until?: unknown[];
  retries?: number;
  delay?: number;
  failedWhen?: unknown[];
  /** In a role: its name and directory (its templates/ and files/ are searched first for local files). */
  role?: { name: string; dir: string };
  /** A role's defaults (and role_path, role_name): under every other variable the task sees. */
  defaults?: Record<string, unknown>;
  /** Inside a block: where each condition of `when` (the blocks' first, then the task's own) is written. */
  whenWhere?: Where[];
};

/** A block: its tasks, what runs when one of them fails (rescue), and what runs in any case (always). */
export type BlockDef = { block: Item[]; rescue: Item[]; always: Item[]; name: string; where: Where };
/**
 * include_tasks: a task file run when the include's `when` holds, once per `loop` item (with `item` and the
 * include's vars); its tasks are parsed at load (the file's name may not be a template), run at run time.
 */
export type IncludeDef = {
  include: TaskDef;
  items: Item[];
  /**
   * An include with a `when`: what provision cannot run in its file, refused only if it runs (Ansible reads such a
   * file only then: a role's setup-RedHat.yml is never read on Debian); validate warns of them.
   */
  deferred?: Problem[];
};
/** meta: flush_handlers (pre_tasks and roles+tasks end with one, as in Ansible); meta: noop. */
export type MetaDef = { meta: 'flush_handlers' | 'noop' | 'end_host' | 'end_play'; task: TaskDef };
export type Item = TaskDef | BlockDef | IncludeDef | MetaDef;

/** The item lists an item holds: a block's block, rescue and always; an include's tasks; none for a task or a meta. */
export const childLists = (i: Item): Item[][] => (isBlock(i) ? [i.block, i.rescue, i.always] : isInclude(i) ? [i.items] : []);

/** The includes of items (blocks' and includes' own too) that carry deferred problems. */
export const deferredIncludes = (items: Item[]): IncludeDef[] =>
  items.flatMap((i) => [...(isInclude(i) && i.deferred?.length ? [i] : []), ...childLists(i).flatMap(deferredIncludes)]);
export const isBlock = (i: Item): i is BlockDef => 'block' in i;
export const isInclude = (i: Item): i is IncludeDef => 'include' in i;
export const isMeta = (i: Item): i is MetaDef => 'meta' in i;
export const isTask = (i: Item): i is TaskDef => !isBlock(i) && !isInclude(i) && !isMeta(i);

/** Every task of items, in the order written (blocks: block, rescue, always; includes: their tasks). */
export const tasksOf = (items: Item[]): TaskDef[] => items.flatMap((i) => (isTask(i) ? [i] : childLists(i).flatMap(tasksOf)));

export type PlayDef = {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  /** vars_files, in order (each over the one before, all over `vars`). */
  varsFiles: Array<{ file: string; vars: Record<string, unknown> }>;
  /** Its roles' defaults (under the inventory's vars) and vars (over the play's), as Ansible layers them. */
  roleDefaults: Array<{ role: string; vars: Record<string, unknown> }>;
  roleVars: Array<{ role: string; vars: Record<string, unknown> }>;
  become?: boolean;
  becomeUser?: string;
  /** any_errors_fatal: a task failing on one host (no rescue taking it) stops the play, and the run, for every host. */
  anyErrorsFatal?: boolean;
  /** max_fail_percentage: more than this share of the batch's hosts failed stops the play, and the run, for all. */
  maxFailPercentage?: number;
  /** It reads hostvars somewhere: its hosts share their facts before its first task (set when the run is prepared). */
  readsHostvars?: boolean;
  /** strategy as written (linear, free): hosts run independently either way (see parse.ts strategyOf). */
  strategy?: 'linear' | 'free';
  /** serial: batch sizes (a number, or a percentage of the play's hosts), the last repeated; none: one batch. */
  serial?: Array<number | string>;
  /** gather_facts (default on, as Ansible): the host's facts are variables of the play. */
  gatherFacts: boolean;
  /** ignore_unreachable of the play: its fact gathering failing on an unreachable host does not end the host's play. */
  ignoreUnreachable?: boolean;
  /** Every task, blocks' included, in the order written (block, then rescue, then always). */
  tasks: TaskDef[];
  /** The tasks and blocks as written: what a host runs. */
  body: Item[];
  handlers: TaskDef[];
  where: Where;
  /** The playbook's directory: template and copy sources resolve against it (and its templates/). */
  dir: string;
};
