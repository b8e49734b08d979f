// The differential test of check mode: random sequences of corpus tasks (differential-corpus.ts) with playbook
// keywords (register, when, loop, notify, ignore_errors), each applied to its own lab host as --check, then for real, then
// again. Check must say what apply did, task for task (status and change list; a `conditional` matches only
// with its reason), and the second apply must change nothing. Everything follows from a seed, printed to replay.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dump } from 'js-yaml';
import { apply } from '../../engine/apply.ts';
import { registry } from '../../modules/index.ts';
import type { CorpusTask } from './differential-corpus.ts';
import { prng } from './random-args.ts';

export type Sequence = { n: number; tasks: Array<Record<string, unknown>>; handlers: Array<Record<string, unknown>>; vars: Record<string, unknown>; local: Record<string, string> };

const HANDLERS = [
  { name: 'h1', copy: { content: 'notified\n', dest: '/root/dx-handler-1' } },
  { name: 'h2', command: { argv: ['touch', '/root/dx-handler-2'], creates: '/root/dx-handler-2' } },
];

/**
 * What a task claims, so that no two tasks of one sequence fight (two tasks that want one thing different change
 * it in every run, and no second apply of such a playbook is quiet). `own`: what it sets (a path, a package, an
 * account it removes); `use`: what it needs as others leave it (an account it creates, owns files by or runs as).
 * A task may join when nothing it owns is claimed, and nothing it uses is owned.
 */
function claims(c: CorpusTask): { own: string[]; use: string[] } {
  const a = c.args;
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => String(x).replace(/(.)[@:=].*$/, '$1'));
  const accounts = [a.owner, a.group, c.module === 'meteor' ? a.user ?? 'root' : undefined].filter((x): x is string => typeof x === 'string').map((n) => `account:${n}`);
  switch (c.module) {
    // package is apt's planner: it claims the same packages (a removal and an install of one fight).
    case 'apt': case 'package': return { own: [...list(a.name).map((n) => `apt:${n}`), ...(a.update_cache ? ['apt:lists'] : [])], use: [] };
    case 'service': return { own: [`service:${a.name}`], use: [`apt:${a.name}`] };
    case 'command': return { own: [`path:${a.creates ?? a.removes}`], use: [] };
    case 'copy': case 'template': return { own: [`path:${a.dest}`], use: accounts };
    case 'file': case 'lineinfile': return { own: [`path:${a.path}`], use: accounts };
    case 'npm': return { own: list(a.name).map((n) => `npm:${n}`), use: ['node'] };
    case 'node': return { own: ['node'], use: [] };
    case 'meteor': return { own: ['meteor'], use: accounts };
    case 'user': case 'group':
      // Removing an account, or giving it another uid or gid (files keep the old number), fights every task
      // that needs it; creating or otherwise changing one serves them.
      return a.state === 'absent' || a.uid !== undefined || a.gid !== undefined ? { own: [`account:${a.name}`], use: [] }
        : { own: [`${c.module}:${a.name}`], use: [`account:${a.name}`, ...list(a.groups).map((g) => `account:${g}`), ...list(a.group).map((g) => `account:${g}`)] };
    default: return { own: [`${c.module}:${String(a.name ?? '')}`], use: [] };
  }
}

/** Sequence number `n` of a run seeded with `seed`: 3 to 7 tasks with keywords. */
export function generate(corpus: CorpusTask[], seed: number, n: number): Sequence {
  const rnd = prng((seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const total = corpus.reduce((s, t) => s + t.weight, 0);
  const draw = () => {
    let x = rnd() * total;
    for (const t of corpus) if ((x -= t.weight) < 0) return t;
    return corpus[corpus.length - 1];
  };
  const tasks: Array<Record<string, unknown>> = [];
  const registered: Array<{ name: string; command: boolean }> = [];
  const vars: Record<string, unknown> = { flag_on: true, flag_off: false };
  const local: Record<string, string> = {};
  const count = 3 + Math.floor(rnd() * 5);
  const owned = new Set<string>();
  const used = new Set<string>();
  const fits = (c: CorpusTask) => {
    const { own, use } = claims(c);
    return !own.some((k) => owned.has(k) || used.has(k)) && !use.some((k) => owned.has(k));
  };
  for (let i = 0; i < count; i++) {
    let c = draw();
    for (let tries = 0; !fits(c) && tries < 50; tries++) c = draw();
    if (!fits(c)) break;
    const { own, use } = claims(c);
    own.forEach((k) => owned.add(k));
    use.forEach((k) => used.add(k));
    const args = structuredClone(c.args);
    const task: Record<string, unknown> = { name: `t${i} ${c.id}` };
    Object.assign(local, c.local);
    Object.assign(vars, c.vars);
    if (c.pathArg && typeof args[c.pathArg] === 'string' && rnd() < 0.15) {
      args[c.pathArg] = `${args[c.pathArg]}-{{ item }}`;
      task.loop = ['a', 'b'];
    }
    task[c.module] = args;
    if (registered.length && rnd() < 0.3) {
      const r = pick(registered);
      // Conditions that a second run keeps false or true: a result's changed, its rc, a constant.
      task.when = pick([`${r.name}.changed`, r.command ? `${r.name}.rc == 0` : `${r.name} is defined`, 'flag_on', 'not flag_off']);
    }
    if (rnd() < 0.35) {
      task.register = `r${i}`;
      registered.push({ name: `r${i}`, command: c.module === 'command' });
    }
    if (rnd() < 0.2) task.notify = pick(HANDLERS).name;
    // Many corpus tasks fail on a host without what they need (a user, a file, a service): half of the tasks go
    // on after a failure, so the tasks after them are compared too.
    if (rnd() < 0.5) task.ignore_errors = true;
    tasks.push(task);
  }
  return { n, tasks, handlers: HANDLERS, vars, local };
}

/** One playbook: a play per host, each running its own sequence; local files beside it. */
export function writeRound(dir: string, hosts: string[], seqs: Sequence[]): string {
  for (const s of seqs) for (const [path, text] of Object.entries(s.local)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const plays = seqs.map((s, i) => ({ name: `sequence ${s.n}`, hosts: hosts[i], vars: s.vars, tasks: s.tasks, handlers: s.handlers }));
  const file = join(dir, 'round.yml');
  writeFileSync(file, dump(plays, { lineWidth: -1, noRefs: true }));
  return file;
}

export type RunTask = { task: string; status: string; changes: string[]; error?: string };
type Report = { hosts: Record<string, { error?: string; unreachable: boolean; tasks: RunTask[] }> };

/** `provision apply` in this process, its JSON report parsed. */
export async function applyRound(playbook: string, inventory: string, limit: string, check: boolean): Promise<Report> {
  const lines: string[] = [];
  await apply({ playbook, inventory, limit, check, json: true, out: (s) => lines.push(s) }, registry);
  return JSON.parse(lines.join('\n')) as Report;
}

/**
 * What check said and apply did differently for one sequence (empty: they agree); `conditionals` counted.
 * `settled`: the apply after `again`, run when `again` changed something: a sequence whose task needs what a later
 * task makes (or undoes what a later one does) settles on its second apply, as under Ansible; the one after must
 * then change nothing. Without `settled`, `again` must change nothing.
 */
export function compare(check: RunTask[], run: RunTask[], again: RunTask[], settled?: RunTask[]): { mismatches: string[]; conditionals: number } {
  const mismatches: string[] = [];
  let conditionals = 0;
  const byName = (xs: RunTask[]) => new Map(xs.map((t) => [t.task, t]));
  const a = byName(run);
  const c = byName(check);
  const mayDiffer = new Set<string>();
  for (const t of check) {
    const r = a.get(t.task);
    if (t.status === 'conditional') {
      conditionals++;
      if (!t.error) mismatches.push(`${t.task}: conditional without a reason`);
      if (/^t\d+ /.test(t.task)) mayDiffer.add('handlers'); // a conditional task notifies in check mode only maybe
      continue;
    }
    if (!r) {
      if (!(t.task.startsWith('h') && mayDiffer.has('handlers')) && !run.some((x) => x.status === 'failed' && c.get(x.task)?.status === 'conditional')) {
        mismatches.push(`${t.task}: check says ${t.status}, apply did not run it`);
      }
      continue;
    }
    if (t.status !== r.status) mismatches.push(`${t.task}: check says ${t.status}, apply says ${r.status}${r.error ? ` (${r.error.split('\n')[0]})` : ''}`);
    else if (JSON.stringify(t.changes) !== JSON.stringify(r.changes)) mismatches.push(`${t.task}: check lists ${JSON.stringify(t.changes)}, apply ${JSON.stringify(r.changes)}`);
  }
  for (const r of run) if (!c.has(r.task)) mismatches.push(`${r.task}: apply says ${r.status}, check did not list it`);
  const last = settled ?? again;
  const before = byName(settled ? again : run);
  const which = settled ? 'the third apply (the second changed things later tasks made)' : 'the second apply';
  for (const t of last) {
    const first = before.get(t.task);
    if (!first) continue; // the apply before stopped ahead of it (a failure): nothing to hold it to
    if (t.status === 'changed' || t.status === 'conditional') mismatches.push(`${t.task}: ${which} says ${t.status}: ${JSON.stringify(t.changes)}`);
    else if (t.status === 'failed' && first.status !== 'failed') mismatches.push(`${t.task}: ${which} fails (${t.error?.split('\n')[0]}), the one before did not`);
  }
  return { mismatches, conditionals };
}
