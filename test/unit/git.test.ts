// git (modules/git/), with Ansible's own git module as the oracle, both run on this machine against the same
// local repository (file://): for HEAD, a branch, an annotated and a lightweight tag, a full and a short sha, a
// clone, a second run, and an update after the remote moved. provision's facts are read by their own scripts
// and its steps run as argv; Ansible's module by /usr/bin/python3 -m ansible.modules.git. The same changed,
// the same commit and branch checked out, and --check's prediction (the commit after) equal to what a run does.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Change, FactDef } from '../../engine/module.ts';
import { planTask } from '../../engine/plan.ts';
import { modules } from '../../modules/index.ts';
import { validate } from '../../engine/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'git-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t.invalid',
  GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t.invalid' };
delete env.GIT_DIR;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const work = join(dir, 'work');
const origin = join(dir, 'origin.git');
git(dir, 'init', '-q', '-b', 'main', work);
const commit = (file: string, text: string) => { writeFileSync(join(work, file), text); git(work, 'add', '.'); git(work, 'commit', '-q', '-m', text); return git(work, 'rev-parse', 'HEAD'); };
const first = commit('a.txt', 'one\n');
git(work, 'tag', '-a', '-m', 'r1', 'r1');
commit('a.txt', 'two\n');
git(work, 'tag', 'light');
git(work, 'branch', 'dev');
git(dir, 'clone', '-q', '--bare', work, origin);
const push = () => git(work, 'push', '-q', '--force', '--tags', origin, 'main', 'dev');

const mod = modules.get('git')!;
const ctx = { host: 'local' } as never;
let n = 0;

function readFact(def: FactDef): unknown {
  const r = spawnSync('sh', ['-c', def.script], { env, encoding: 'utf8' });
  return def.parse(r.stdout, r.status ?? -1);
}

/** provision's plan against this machine; `apply`: its steps run. */
function ours(args: Record<string, unknown>, apply: boolean): { changes: Change[]; after?: string } {
  const a = structuredClone(args);
  assert.equal(validate(mod.schema, a), []);
  const facts = new Map(mod.facts(a, ctx).map((d) => [d.key, readFact(d)]));
  const changes = planTask(mod, a, ctx, { has: (k) => facts.has(k), get: (k) => facts.get(k) });
  let after: string | undefined;
  if (apply) {
    for (const s of changes.flatMap((c) => c.steps)) {
      if (!('exec' in s)) throw new Error('git steps are argv');
      after = execFileSync(s.exec[0], s.exec.slice(1), { cwd: s.cwd, env: { ...env, ...s.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    }
  }
  return { changes, after };
}

function ansible(args: Record<string, unknown>, check: boolean): Record<string, unknown> {
  const file = join(dir, `args-${n++}.json`);
  writeFileSync(file, JSON.stringify({ ANSIBLE_MODULE_ARGS: { ...args, _ansible_check_mode: check } }));
  const r = spawnSync('/usr/bin/python3', ['-m', 'ansible.modules.git', file], { env, encoding: 'utf8' });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const predicted = (c: Change[]) => (c[0]?.effects.find((e) => 'value' in e) as { value: { head: string } } | undefined)?.value.head;
const checkedOut = (d: string) => [git(d, 'rev-parse', 'HEAD'), spawnSync('git', ['symbolic-ref', '-q', '--short', 'HEAD'], { cwd: d, env, encoding: 'utf8' }).stdout.trim()];

const VERSIONS = ['HEAD', 'main', 'dev', 'r1', 'light', first, first.slice(0, 10)];

test('clone, run again, update after the remote moved: as Ansible, for every kind of version', () => {
  for (const version of VERSIONS) {
    const [mine, theirs] = [join(dir, `mine-${version}`), join(dir, `theirs-${version}`)];
    const args = (dest: string) => ({ repo: origin, dest, version });
    // --check on no checkout: a clone, of the commit Ansible names (a short sha is known only once fetched).
    const check = ansible(args(theirs), true);
    const plan = ours(args(mine), false);
    assert.is(check.changed, true, version);
    assert.is(plan.changes.length, 1, version);
    if (version !== first.slice(0, 10)) assert.is(predicted(plan.changes), check.after, `${version}: the commit a clone would check out`);
    const done = ansible(args(theirs), false);
    const applied = ours(args(mine), true);
    assert.is(done.changed, true);
    assert.equal(checkedOut(mine), checkedOut(theirs), `${version}: the same commit and branch`);
    assert.is(applied.after, done.after, `${version}: after, as registered`);
    assert.is(ansible(args(theirs), false).changed, false, version);
    assert.equal(ours(args(mine), false).changes, [], `${version}: a second run changes nothing`);
  }
  commit('a.txt', 'three\n');
  git(work, 'branch', '-f', 'dev', 'HEAD');
  push();
  for (const version of VERSIONS) {
    const [mine, theirs] = [join(dir, `mine-${version}`), join(dir, `theirs-${version}`)];
    const args = (dest: string) => ({ repo: origin, dest, version });
    const plan = ours(args(mine), false);
    const check = ansible(args(theirs), true);
    const done = ansible(args(theirs), false);
    assert.is(plan.changes.length > 0 && !plan.changes[0].unreported, done.changed, `${version}: changed after the remote moved`);
    if (done.changed) assert.is(predicted(plan.changes), check.after, `${version}: --check's commit`);
    ours(args(mine), true);
    assert.equal(checkedOut(mine), checkedOut(theirs), `${version}: the same commit and branch after the update`);
    assert.equal(ours(args(mine), false).changes, [], `${version}: converged`);
  }
});

test('local modifications: refused without force (check mode too), discarded with it', () => {
  const [mine, theirs] = [join(dir, 'mine-main'), join(dir, 'theirs-main')];
  for (const d of [mine, theirs]) writeFileSync(join(d, 'a.txt'), 'edited\n');
  const theirsFailed = ansible({ repo: origin, dest: theirs, version: 'main' }, true);
  assert.is(theirsFailed.failed, true);
  assert.throws(() => ours({ repo: origin, dest: mine, version: 'main' }, false), (e: Error) => e.message === String(theirsFailed.msg).replace(theirs, mine));
  const done = ansible({ repo: origin, dest: theirs, version: 'main', force: true }, false);
  const plan = ours({ repo: origin, dest: mine, version: 'main', force: true }, true);
  assert.is(done.changed, true);
  assert.is(plan.changes.length, 1);
  assert.equal(checkedOut(mine), checkedOut(theirs));
  assert.is(git(mine, 'status', '--porcelain'), '');
});

test('a shallow clone of a branch, a bare clone, a single-branch clone of a tag: the same refs as Ansible\'s', () => {
  for (const extra of [{ version: 'dev', depth: 1 }, { bare: true }, { version: 'r1', single_branch: true }]) {
    const tag = JSON.stringify(extra).replace(/\W+/g, '');
    const [mine, theirs] = [join(dir, `mine-${tag}`), join(dir, `theirs-${tag}`)];
    assert.is(ansible({ repo: origin, dest: theirs, ...extra }, false).changed, true);
    ours({ repo: origin, dest: mine, ...extra }, true);
    const refs = (d: string) => git(d, 'for-each-ref', '--format=%(objectname) %(refname)');
    assert.is(refs(mine), refs(theirs), tag);
    assert.is(git(mine, 'rev-parse', 'HEAD'), git(theirs, 'rev-parse', 'HEAD'), tag);
    if ('depth' in extra) assert.is(git(mine, 'rev-list', '--count', 'HEAD'), '1');
    // A second run reports nothing; Ansible's fetch still brings what the first left out (the other tags of a
    // single-branch clone), and so does provision's, unreported.
    assert.is(ansible({ repo: origin, dest: theirs, ...extra }, false).changed, false);
    assert.ok(ours({ repo: origin, dest: mine, ...extra }, true).changes.every((c) => c.unreported), tag);
    assert.is(refs(mine), refs(theirs), `${tag}: after a second run`);
    assert.equal(ours({ repo: origin, dest: mine, ...extra }, false).changes, [], tag);
  }
});

test('the remote is read at its task\'s turn when its ssh accepts an unknown host key (which writes known_hosts)', () => {
  const remote = (args: Record<string, unknown>) => mod.facts({ dest: '/srv/x', version: 'HEAD', remote: 'origin', ...args } as never, ctx)
    .find((f) => f.key.startsWith('git-remote:'))!;
  assert.is(remote({ repo: 'ssh://git@example.org/x.git', accept_hostkey: true }).lazy, true);
  assert.is(remote({ repo: 'ssh://git@example.org/x.git', ssh_opts: '-o StrictHostKeyChecking=accept-new' }).lazy, true);
  assert.not.ok(remote({ repo: 'ssh://git@example.org/x.git' }).lazy);
});

test.run();
