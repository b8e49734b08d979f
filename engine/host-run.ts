// One host's run: plays in order, tasks in order, facts batched and cached, plan, check or apply, handlers.
import { readLocalOnce, readTextFile, resolveLocal } from './local-files.ts';
import { gather, parseFacts } from './gather.ts';
import { npmPack } from '../modules/npm/pack.ts';
import type { Change, Effect, FactDef, ModuleDef, PlanContext, Step } from './module.ts';
import type { PlayDef, TaskDef } from './playbook/parse.ts';
import { type Become, stepCommand } from './steps.ts';
import { splitSteps, stepBatch } from './step-batch.ts';
import { renderFile, renderValue } from './vars/template.ts';
import { coerce, validate } from './validate.ts';
import { renderDeep } from './vars/vars.ts';
import { redact, redactChange, sensitiveValues } from './redact.ts';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'conditional';
export type TaskResult = { play: string; task: string; module: string; status: TaskStatus; changes: Change[]; error?: string; where: string; noLog: boolean; ms?: number };
export type Conn = { exec(command: string, o?: { stdin?: string | Buffer | Buffer[] }): Promise<{ code: number; stdout: string; stderr: string }> };
export type HostOptions = { check: boolean; tags: string[]; skipTags: string[]; become?: boolean; connUser: string; connPort?: number; becomeUser: string;
  /** True once the run was interrupted: a task failing from then on was cut short by it. */
  interrupted?: () => boolean };

const where = (t: TaskDef) => `${t.where.file}:${t.where.line}`;

/** A plan read a lazy fact not yet known: gather it, then plan again. */
class NeedFact extends Error {
  constructor(readonly def: FactDef) {
    super(`fact ${def.key} not gathered`);
  }
}

export class HostRun {
  private facts = new Map<string, unknown>();
  private unknownKeys = new Set<string>();
  private unknownPrefixes: string[] = [];
  private allUnknown = false;
  /** Check mode: some change on this host was simulated, not made. */
  private simulated = false;
  readonly results: TaskResult[] = [];
  private registered: Record<string, unknown> = {};
  failed = false;
  /** Remote execs made, and how many of them only read facts. */
  execs = 0;
  factExecs = 0;
  /** The tasks after the running one (and their variables): what a change's exec reads facts for. */
  private upcoming?: { play: PlayDef; tasks: TaskDef[]; vars: Record<string, unknown> };

  constructor(readonly name: string, private conn: Conn, private modules: Map<string, ModuleDef>, private o: HostOptions,
    private onResult: (host: string, r: TaskResult) => void) {}

  private exec = async (command: string, stdin?: string | Buffer | Buffer[]) => {
    this.execs++;
    return this.conn.exec(command, { stdin });
  };

  private isUnknown(key: string): boolean {
    return this.allUnknown || this.unknownKeys.has(key) || this.unknownPrefixes.some((p) => key.startsWith(p));
  }

  private async ensureFacts(defs: FactDef[], become: Become): Promise<void> {
    const missing = defs.filter((d) => !this.facts.has(d.key));
    if (!missing.length) return;
    this.factExecs++;
    const got = await gather(missing, (script) => this.exec(become ? `sudo -n -H -u ${become.user} -- sh -s` : 'sh -s', script), this.name);
    for (const [k, v] of got) this.facts.set(k, v);
  }

  /** Check mode: the state the change leaves. Apply: forget what it touched, so it is read again. */
  private applyEffects(effects: Effect[], simulate: boolean): void {
    if (simulate) this.simulated = true;
    for (const e of effects) {
      if ('all' in e) {
        this.facts.clear();
        if (simulate) this.allUnknown = true;
      } else if ('prefix' in e) {
        for (const k of [...this.facts.keys()]) if (k.startsWith(e.prefix)) this.facts.delete(k);
        if (simulate) this.unknownPrefixes.push(e.prefix);
      } else if ('value' in e && simulate) {
        this.facts.set(e.key, e.value);
        this.unknownKeys.delete(e.key);
      } else {
        this.facts.delete(e.key);
        if (simulate) this.unknownKeys.add(e.key);
      }
    }
  }

  private become(play: PlayDef, task: TaskDef): Become {
    const on = task.become ?? play.become ?? this.o.become ?? false;
    return on && this.o.becomeUser !== this.o.connUser ? { user: this.o.becomeUser } : undefined;
  }

  private selected(task: TaskDef): boolean {
    if (task.tags.includes('always')) return !this.o.skipTags.includes('always');
    if (this.o.tags.length && !task.tags.some((t) => this.o.tags.includes(t))) return false;
    return !task.tags.some((t) => this.o.skipTags.includes(t));
  }

  private planContext(play: PlayDef, vars: Record<string, unknown>): PlanContext {
    return {
      host: this.name,
      connection: { user: this.o.connUser, port: this.o.connPort ?? 22 },
      readLocal: (p, o) => readLocalOnce(resolveLocal(p, play.dir), o && { ...o, what: `${o.what ?? 'local file'} "${p}"` }),
      render: (p) => renderFile(readTextFile(resolveLocal(p, play.dir), `template "${p}"`), vars, p),
      npmPack,
    };
  }

  /** Values of sensitive variables of the current play: masked in everything recorded. */
  secrets: string[] = [];

  private record(play: PlayDef, task: TaskDef, status: TaskStatus, changes: Change[], error?: string): TaskResult {
    // Cut short by Ctrl-C: the transport's message (the command, "the host closed the session") says nothing useful.
    if (status === 'failed' && this.o.interrupted?.()) error = 'interrupted (Ctrl-C): cut short here; nothing is left half-written, a rerun converges';
    const r: TaskResult = { play: play.name, task: task.name, module: task.module, status, where: where(task), noLog: task.noLog,
      ms: this.taskStart === undefined ? undefined : Math.round(performance.now() - this.taskStart),
      changes: changes.map((c) => redactChange(c, this.secrets)), error: error === undefined ? undefined : redact(error, this.secrets) };
    this.results.push(r);
    this.onResult(this.name, r);
    return r;
  }

  /** Gathers, in one exec, the facts of every task whose arguments render now. */
  async prefetch(play: PlayDef, tasks: TaskDef[], vars: Record<string, unknown>): Promise<void> {
    await this.ensureFacts(this.prefetchDefs(play, tasks, vars), this.become(play, tasks[0] ?? play.tasks[0]));
  }

  /** The facts `tasks` will read that can be known now: not lazy, not made unknown by a simulated change. */
  private prefetchDefs(play: PlayDef, tasks: TaskDef[], vars: Record<string, unknown>): FactDef[] {
    const defs: FactDef[] = [];
    for (const t of tasks) {
      if (!this.selected(t)) continue;
      try {
        const base = { ...vars, ...this.registered };
        const items = t.loop === undefined ? [undefined] : this.loopItems(t, base);
        for (const item of items) {
          const mod = this.modules.get(t.module)!;
          const args = coerce(mod.schema, renderDeep(t.args, t.loop === undefined ? base : { ...base, item })) as Record<string, unknown>;
          if (validate(mod.schema, args).length) continue;
          defs.push(...mod.facts(args, this.planContext(play, vars)));
        }
      } catch {
        /* rendered later, when the task runs */
      }
    }
    return defs.filter((d) => !d.lazy && !this.isUnknown(d.key));
  }

  private loopItems(task: TaskDef, vars: Record<string, unknown>): unknown[] {
    const l = typeof task.loop === 'string' ? renderValue(task.loop, vars) : renderDeep(task.loop, vars);
    if (!Array.isArray(l)) throw new Error(`loop must give a list, not ${JSON.stringify(l)}`);
    return l;
  }

  /** When the running task started: its result records how long it took. */
  private taskStart?: number;

  /** Runs one task (every loop item); returns whether it changed anything. */
  async runTask(play: PlayDef, task: TaskDef, vars: Record<string, unknown>): Promise<TaskStatus> {
    this.taskStart = performance.now();
    if (!this.selected(task)) return 'skipped';
    const base = { ...vars, ...this.registered };
    let items: unknown[] = [undefined];
    if (task.loop !== undefined) {
      try {
        items = this.loopItems(task, base);
      } catch (err) {
        return this.finish(play, task, this.record(play, task, 'failed', [], `${(err as Error).message}`).status);
      }
    }
    const statuses: TaskStatus[] = [];
    const allChanges: Change[] = [];
    let error: string | undefined;
    for (const item of items) {
      const v = task.loop !== undefined ? { ...base, item } : base;
      try {
        const st = await this.runItem(play, task, v, allChanges);
        statuses.push(st);
        if (st === 'failed') break;
      } catch (err) {
        error = (err as Error).message;
        statuses.push('failed');
        break;
      }
    }
    const status: TaskStatus = statuses.includes('failed') ? 'failed' : statuses.includes('conditional') ? 'conditional'
      : statuses.includes('changed') ? 'changed' : statuses.every((s) => s === 'skipped') ? 'skipped' : 'ok';
    const r = this.record(play, task, status, allChanges, error ?? this.lastError);
    this.lastError = undefined;
    if (task.register) this.registered[task.register] = { changed: status === 'changed', failed: status === 'failed', skipped: status === 'skipped', ...this.lastOutput };
    return this.finish(play, task, r.status);
  }

  private lastError?: string;
  private lastOutput: { rc?: number; stdout?: string; stderr?: string } = {};

  private finish(_play: PlayDef, task: TaskDef, status: TaskStatus): TaskStatus {
    if (status === 'failed' && !task.ignoreErrors) this.failed = true;
    return status;
  }

  private async runItem(play: PlayDef, task: TaskDef, vars: Record<string, unknown>, out: Change[]): Promise<TaskStatus> {
    if (task.when !== undefined) {
      const conds = Array.isArray(task.when) ? task.when : [task.when];
      for (const c of conds) {
        const v = typeof c === 'string' ? renderValue(/\{\{/.test(c) ? c : `{{ ${c} }}`, vars) : c;
        if (!v || v === 'False' || v === 'false') return 'skipped';
      }
    }
    const mod = this.modules.get(task.module)!;
    const args = coerce(mod.schema, renderDeep(task.args, vars)) as Record<string, unknown>;
    const problems = validate(mod.schema, args);
    if (problems.length) throw new Error(`${task.module}: ${problems.map((p) => p.message).join('; ')}`);
    const ctx = this.planContext(play, vars);
    const become = this.become(play, task);
    const defs = mod.facts(args, ctx);
    if (this.o.check && defs.some((d) => this.isUnknown(d.key))) {
      // What it would change is unknown too: readers of its facts after it are conditional as well.
      for (const d of defs) this.unknownKeys.add(d.key);
      return 'conditional';
    }
    // Lazy facts are read only if the plan asks for them.
    const eager = defs.filter((d) => !d.lazy);
    await this.ensureFacts(eager, become);
    let changes: Change[];
    try {
      changes = await this.plan(mod, args, ctx, become);
    } catch (err) {
      // In check mode, after earlier tasks' changes were only simulated, a plan may fail on what those
      // changes would have made (a user, a node, a package): that is not known, so not a failure.
      if (this.o.check && this.simulated) {
        for (const d of defs) this.unknownKeys.add(d.key);
        this.lastError = `depends on earlier changes: ${(err as Error).message}`;
        return 'conditional';
      }
      throw err;
    }
    if (!changes.length) return 'ok';
    out.push(...changes);
    if (this.o.check) {
      for (const c of changes) this.applyEffects(c.effects, true);
      return 'changed';
    }
    const verify = mod.verifiable?.(args) !== false;
    const ran = await this.runSteps(changes.flatMap((c) => c.steps), verify ? eager : [], become);
    if (ran.failed) {
      this.lastError = `${task.noLog ? 'a step' : `\`${ran.failed.label}\``} exited ${ran.failed.code}${ran.failed.why && !task.noLog ? `: ${ran.failed.why}` : ''}`;
      return 'failed';
    }
    if (!verify) return 'changed';
    await this.ensureFacts(eager, become);
    const again = await this.plan(mod, args, ctx, become);
    if (again.length) {
      this.lastError = `engine error: module ${task.module} still plans changes after its own changes ran (${again.map((c) => c.summary).join('; ')}): a bug in the module`;
      return 'failed';
    }
    return 'changed';
  }

  /** Plans with the facts known; a lazy fact the plan asks for is gathered (one exec) and the plan run again. */
  private async plan(mod: ModuleDef, args: Record<string, unknown>, ctx: PlanContext, become: Become): Promise<Change[]> {
    const view = {
      get: <T>(d: FactDef<T>) => {
        if (d.lazy && !this.facts.has(d.key)) throw new NeedFact(d);
        return this.facts.get(d.key) as T;
      },
    };
    for (let round = 0; ; round++) {
      try {
        return mod.plan(args, view, ctx);
      } catch (err) {
        if (!(err instanceof NeedFact) || round > 8) throw err;
        await this.ensureFacts([err.def], become);
      }
    }
  }

  /**
   * Runs the steps of a task's changes, then reads the facts it and the tasks after it need: one exec.
   * Everything a change did may show in facts it did not declare, so all known facts are forgotten first.
   */
  private async runSteps(steps: Step[], own: FactDef[], become: Become): Promise<{ failed?: { label: string; code: number; why: string } }> {
    this.facts.clear();
    const next = this.upcoming;
    const ahead = next && next.tasks.length && JSON.stringify(this.become(next.play, next.tasks[0])) === JSON.stringify(become)
      ? this.prefetchDefs(next.play, next.tasks, next.vars) : [];
    const batch = stepBatch(steps, [...own, ...ahead], become);
    const why = (r: { stdout: string; stderr: string }) => (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
    if (!batch) {
      // Too long for one command line: a step per exec, then the facts in their own batch.
      for (const step of steps) {
        const cmd = stepCommand(step, become);
        const r = await this.exec(cmd.command, cmd.stdin);
        this.lastOutput = { rc: r.code, stdout: r.stdout, stderr: r.stderr };
        if (!cmd.okCodes.includes(r.code)) return { failed: { label: cmd.label, code: r.code, why: why(r) } };
      }
      return {};
    }
    const r = await this.exec(batch.command, batch.stdin);
    const results = splitSteps(batch, r.stdout, r.stderr, r.code);
    const last = results.at(-1);
    if (last) this.lastOutput = { rc: last.code, stdout: last.stdout, stderr: last.stderr };
    if (last && !last.ok) return { failed: { label: last.label, code: last.code, why: why(last) } };
    if (batch.facts.length) for (const [k, v] of parseFacts(batch.facts, r.stdout, batch.factBoundary)) this.facts.set(k, v);
    return {};
  }

  /** Runs a play's tasks, then the handlers changed tasks notified (even if a later task failed). */
  async runPlay(play: PlayDef, vars: Record<string, unknown>): Promise<void> {
    this.secrets = sensitiveValues(vars);
    const notified = new Set<string>();
    await this.prefetch(play, play.tasks, vars);
    for (const [i, task] of play.tasks.entries()) {
      if (this.failed) break;
      this.upcoming = { play, tasks: [...play.tasks.slice(i), ...play.handlers], vars };
      const status = await this.runTask(play, task, vars);
      if (status === 'changed' || (status === 'conditional' && this.o.check)) task.notify.forEach((n) => notified.add(n));
      if (status === 'changed' && !this.o.check && this.facts.size === 0) await this.prefetch(play, play.tasks.slice(play.tasks.indexOf(task) + 1), { ...vars });
    }
    const wasFailed = this.failed;
    this.failed = false;
    for (const [i, h] of play.handlers.entries()) {
      if (!(notified.has(h.name) || h.listen.some((l) => notified.has(l)))) continue;
      this.upcoming = { play, tasks: play.handlers.slice(i), vars };
      await this.runTask(play, h, vars);
      if (this.failed) break;
    }
    this.failed = this.failed || wasFailed;
    this.upcoming = undefined;
  }
}
