// What one host's run keeps and its parts share (host-tasks.ts runs a task, host-run.ts a play): the fact cache,
// the results, the exec counts, the variables; reading facts in one batch, a task's plan context, recording a
// result. A task's outcome is returned to its caller, never left in a field.
import { statSync } from 'node:fs';
import { type Become, type BecomeSettings, becomeFor, scriptAs } from './become.ts';
import { gather } from './gather.ts';
import { readLocalOnce, readTextFile, resolveLocal } from './local-files.ts';
import { walkLocalDir } from './local-tree.ts';
import type { Change, FactDef, PlanContext, Registry } from './module.ts';
import { FactCache } from './plan.ts';
import type { PlayDef, TaskDef } from './playbook/types.ts';
import { redact, redactChange } from './redact.ts';
import type { TaskResult, TaskStatus } from './results.ts';
import { type StepsOutcome } from './step-run.ts';
import { type ItemResult, Tripwire } from './register.ts';
import { HostVars } from './host-vars.ts';
import { itemVars, loopItems, renderArgs, selected } from './task-control.ts';
import { type Conn, UnreachableError } from './transport/conn.ts';
import type { Delegates } from './delegates.ts';
import type { Stdin } from './transport/ssh.ts';
import { renderFile } from './vars/template.ts';
import { templateVars } from './template-vars.ts';
import type { Settled } from './view/view.ts';

export type HostOptions = BecomeSettings & { check: boolean; tags: string[]; skipTags: string[]; connPort?: number;
  /** --diff: diffs a module reads from the host (Change.diffRead) are read. */
  diff?: boolean;
  /** Why the run was stopped (Ctrl-C, the host lock refused), once it was: a task failing from then on was cut short by it. */
  stopped?: () => string | undefined;
  /** Extra variables (-e): no task var or registered result overrides them. */
  pinned?: string[];
  /** Where a delegate_to task runs (the run's other hosts, the controller). */
  delegates?: Delegates;
  /** The exact check: the run applies inside this throwaway view of the host, settled after each task. */
  view?: { settle(): Promise<Settled>; guard(): Promise<void>; readonly memory: number } };

/** Why a step failed, as a task's error: the step, its exit code and what it said (neither under no_log). */
export const stepFailure = (task: TaskDef, { label, code, why }: NonNullable<StepsOutcome['failed']>) =>
  `${task.noLog ? 'a step' : `\`${label}\``} exited ${code}${why && !task.noLog ? `: ${why}` : ''}`;

export abstract class HostCore {
  protected cache = new FactCache();
  readonly results: TaskResult[] = [];
  failed = false;
  ended = false;
  /** The items of the task that ran last (what `register` recorded of it): a run_once result shared. */
  protected lastItems: ItemResult[] = [];
  /** Remote execs made, and how many of them only read facts. */
  execs = 0;
  factExecs = 0;
  /** The tasks after the running one (and their variables): what a change's exec reads facts for. */
  protected upcoming?: { play: PlayDef; tasks: TaskDef[]; vars: Record<string, unknown> };
  /** Values of sensitive variables of the current play: masked in everything recorded. */
  secrets: string[] = [];
  /** When the running task started: its result records how long it took. */
  protected taskStart?: number;
  /** Check mode: reads of registered values no one can know yet (a task that did not run registered them). */
  protected wire = new Tripwire();
  /** Registered results and set_fact's, the scope of each task. */
  protected vars: HostVars;


  constructor(readonly name: string, protected conn: Conn, protected registry: Registry, protected o: HostOptions,
    protected onResult: (host: string, r: TaskResult) => void) {
    this.vars = new HostVars(o.pinned ?? [], o.check ? this.wire : undefined);
  }

  /** One exec on the host; a host gone (never reached, or lost) is an UnreachableError, which makes the task unreachable. */
  protected exec = async (command: string, stdin?: Stdin) => {
    if (this.conn.lost !== undefined) throw new UnreachableError(this.conn.lost);
    this.execs++;
    try {
      return await this.conn.exec(command, { stdin });
    } catch (err) {
      // A channel cut by a dropped connection may fail just before the connection says it is gone.
      if (this.conn.lost === undefined) await new Promise((r) => setTimeout(r, 50));
      if (this.conn.lost !== undefined) throw new UnreachableError(this.conn.lost);
      throw err;
    }
  };

  /** The exact check: why the view no longer follows the apply (a task not run in it), and results not yet said. */
  protected viewDiverged?: string;
  private unsaid: TaskResult[] = [];
  /** The exact check: the upper layer's size after the last task (what the view held). */
  viewBytes = 0;

  /** The exact check: after a task, what it did in the view goes on its result; then its results are said. */
  protected async settleView(from: number): Promise<void> {
    if (!this.o.view) return;
    const s = await this.o.view.settle();
    this.viewBytes = s.upperBytes;
    const r = this.results.length > from ? this.results[this.results.length - 1] : undefined;
    if (r) {
      r.view = { files: s.files, intents: s.intents.map((i) => redact(i, this.secrets)), left: s.leftRunning.map((l) => redact(l, this.secrets)) };
      // A file's text may hold a secret (an env file): masked as everything recorded; none under no_log.
      if (s.diffs?.length && !r.noLog) r.view.diffs = s.diffs.map((d) => ({ path: d.path, diff: redact(d.diff, this.secrets) }));
    }
    this.sayResults();
  }

  /** Results recorded and not yet handed to onResult (the exact check says a task once its view is settled). */
  sayResults(): void {
    for (const r of this.unsaid.splice(0)) this.onResult(this.name, r);
  }

  /** Why the host was found unreachable at a task not ignoring it: its run ends there, as Ansible drops the host. */
  unreachable?: string;

  protected async ensureFacts(defs: FactDef[], become: Become, cache = this.cache): Promise<void> {
    cache.forgetReadByOthers(defs, this.readAs(become));
    const missing = cache.missing(defs);
    if (!missing.length) return;
    this.factExecs++;
    const got = await gather(missing, (script) => {
      const { command, stdin } = scriptAs(become, script);
      return this.exec(command, stdin);
    }, this.name);
    for (const [k, v] of got) cache.set(k, v, this.readAs(become));
  }

  /** Whom facts are read as under `become`: the user it becomes, else who connects. */
  protected readAs(become: Become): string {
    return become?.user ?? this.o.connUser ?? '';
  }

  protected become(play: PlayDef, task: TaskDef | undefined): Become {
    return becomeFor(play, task, this.o);
  }

  protected planContext(play: PlayDef, vars: Record<string, unknown>, task?: TaskDef): PlanContext {
    const roleDir = task?.role?.dir;
    return {
      ...this.registry.services,
      host: this.name,
      connection: { user: this.o.connUser, port: this.o.connPort ?? 22 },
      runAs: (task ? this.become(play, task)?.user : undefined) ?? this.o.connUser,
      readLocal: (p, o) => readLocalOnce(resolveLocal(p, play.dir, roleDir), o && { ...o, what: `${o.what ?? 'local file'} "${p}"` }),
      localMode: (p) => (statSync(resolveLocal(p, play.dir, roleDir)).mode & 0o7777).toString(8).padStart(4, '0'),
      localTree: (p, o) => {
        const found = resolveLocal(p.replace(/(.)\/+$/, '$1'), play.dir, roleDir, { dir: true });
        return statSync(found).isDirectory() ? walkLocalDir(found, { trailingSlash: p.endsWith('/'), follow: o.follow }) : undefined;
      },
      render: (p, dest) => {
        const file = resolveLocal(p, play.dir, roleDir);
        return renderFile(readTextFile(file, `template "${p}"`), { ...vars, ...templateVars(p, file, dest) }, p);
      },
    };
  }

  protected record(play: PlayDef, task: TaskDef, status: TaskStatus, changes: Change[], error?: string, msg?: string): TaskResult {
    // Cut short by Ctrl-C or a refused lock: the transport's message (the command, "the host closed the session") says nothing useful.
    const stopped = status === 'failed' ? this.o.stopped?.() : undefined;
    if (stopped) error = stopped;
    const r: TaskResult = { play: play.name, task: task.role ? `${task.role.name} : ${task.name}` : task.name, module: task.module, status, where: `${task.where.file}:${task.where.line}`, noLog: task.noLog,
      ms: this.taskStart === undefined ? undefined : Math.round(performance.now() - this.taskStart),
      changes: changes.map((c) => redactChange(c, this.secrets)), error: error === undefined ? undefined : redact(error, this.secrets) };
    if (status === 'failed' && task.ignoreErrors === true && !stopped) r.ignored = true;
    if (status === 'unreachable' && task.ignoreUnreachable) r.ignored = true;
    if (msg !== undefined) r.msg = redact(msg, this.secrets);
    this.results.push(r);
    if (this.o.view) this.unsaid.push(r);
    else this.onResult(this.name, r);
    return r;
  }

  /** Gathers, in one exec, the facts of every task whose arguments render now. */
  protected async prefetch(play: PlayDef, tasks: TaskDef[], vars: Record<string, unknown>): Promise<void> {
    try {
      const become = this.become(play, tasks[0] ?? play.tasks[0]);
      await this.ensureFacts(this.prefetchDefs(play, tasks, vars, become), become);
    } catch (err) {
      // Read ahead only: a host that cannot be reached is found so by the task that needs it.
      if (!(err instanceof UnreachableError)) throw err;
    }
  }

  /**
   * The facts `tasks` will read that can be known now: not lazy, not made unknown by a simulated change, and only of
   * the tasks that run as `become` does (a task's facts are read as whom it runs as: its crontab, what it may stat).
   */
  protected prefetchDefs(play: PlayDef, tasks: TaskDef[], vars: Record<string, unknown>, become: Become): FactDef[] {
    const defs: FactDef[] = [];
    const as = JSON.stringify(become);
    for (const t of tasks) {
      // with_lines runs a command on this machine: once, when the task runs.
      if (!selected(t, this.o.tags, this.o.skipTags) || t.loopWith === 'lines') continue;
      if (JSON.stringify(this.become(play, t)) !== as) continue;
      try {
        const mod = this.registry.modules.get(t.module)!;
        const items = loopItems(t, this.vars.scope(t, vars).vars);
        for (let i = 0; i < items.length; i++) {
          let args: Record<string, unknown>;
          try {
            args = renderArgs(mod, t, this.vars.scope(t, vars, itemVars(t, items, i)).vars);
          } catch {
            continue; // rendered later, when the task runs
          }
          defs.push(...mod.facts(args, this.planContext(play, vars, t)));
        }
      } catch {
        /* rendered later, when the task runs */
      }
    }
    return defs.filter((d) => !d.lazy && !this.cache.isUnknown(d.key));
  }


  /** Records what `register` asks for (in check mode, a prediction where steps would have run), then finishes. */
  protected registerAndFinish(task: TaskDef, status: TaskStatus, items: ItemResult[] = [], unreachable?: string): TaskStatus {
    this.lastItems = items;
    this.vars.register(task, status, items);
    return this.finish(task, status, unreachable);
  }

  protected finish(task: TaskDef, status: TaskStatus, unreachable?: string): TaskStatus {
    // ignore_errors only when it is true: a template not judged yet (its task failed before) ignores nothing.
    if (status === 'failed' && (task.ignoreErrors !== true || this.o.stopped?.())) this.failed = true;
    // Unreachable, not ignored: the host's run ends here (no rescue, always or handlers), as Ansible drops it.
    if (status === 'unreachable' && !task.ignoreUnreachable) {
      this.unreachable = unreachable ?? 'unreachable';
      this.ended = true;
    }
    return status;
  }

}
