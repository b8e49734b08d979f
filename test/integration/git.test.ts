// git on real lab hosts, with real Ansible as the oracle: a repository published on the lab mirror (git's dumb
// HTTP), provision applies test/fixtures/playbooks/git.yml on gt-1, ansible-playbook on gt-2; the same statuses,
// the same checkouts (commit, branch, refs, a clean tree) and what `register` recorded, a second run, then the
// remote moved (a commit more on main) and a third. --check before the first and the third run says what the run
// does, but for the tasks that read what a simulated task registered, or a repository it only simulated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type GitCommit, publishGitRepo } from '../../lab/mirror.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('git against ansible-playbook');
const PB = 'test/fixtures/playbooks/git.yml';
const DESTS = ['/srv/gt/tag', '/srv/gt/main', '/srv/gt/frozen', '/srv/gt/bare.git', '/srv/gt/shallow'];
/** In --check these read what a task only simulated: its registered result, or the bare repository it would make or move. */
const CONDITIONAL = ['what the main branch registered', 'a shallow clone of the bare mirror'];
/** On a fresh host git comes with a package install --check only simulates: every task reading a checkout waits for it. */
const FRESH = ['a clone at tag r1', 'the main branch', 'HEAD, cloned once and never updated', 'a bare mirror', 'clone no, and nothing there'];
let lab: TestLab;
let ssh: SshConnection[] = [];
let repo = '';
useLab(test, 'gt', 2, (l, s) => { lab = l; ssh = s; });

// Fixed dates: the same commits have the same shas when the repository is published again with one more.
process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = '2026-01-01T00:00:00Z';
const COMMITS: GitCommit[] = [
  { message: 'one', files: { 'RELEASE': 'one\n' }, tag: 'r1' },
  { message: 'two', files: { 'RELEASE': 'two\n', 'lib/a.txt': 'a\n' } },
];
const publish = (commits: GitCommit[]) => {
  const vars = (load(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8')) as { all: { vars: { node_mirror: string } } }).all.vars;
  repo = vars.node_mirror.replace(/\/dist$/, '') + publishGitRepo('gt-repo', undefined, commits);
};

const mine = (...extra: string[]) => applyJson([PB, '--limit', 'gt-1', '-e', `git_repo=${repo}`, ...extra], lab.inventory);
const theirs = () => ansiblePlaybook(PB, lab.inventory, 'gt-2', ['-e', `git_repo=${repo}`]);
const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['gt-1'].tasks.map((t) => `${t.task}: ${t.status}`);
/** --check's statuses are the run's, but for the tasks allowed to be conditional (and said to be). */
function checkSays(check: Awaited<ReturnType<typeof applyJson>>, run: Awaited<ReturnType<typeof applyJson>>, also: string[] = []): void {
  const allowed = (s: string) => [...CONDITIONAL, ...also].some((t) => s.startsWith(`${t}: `));
  const c = statuses(check);
  const r = statuses(run);
  assert.equal(c.filter((s) => !allowed(s)), r.filter((s) => !allowed(s)), '--check says what the run does');
  for (const s of c.filter(allowed)) assert.ok(s.endsWith(': conditional') || r.includes(s), s);
}

/** Each checkout as git sees it: commit, branch, every ref, the tree's state, the history's depth; and main.txt. */
const checkouts = (s: SshConnection) => sh(s, DESTS.map((d) => `echo "== ${d}"; cd ${d} && git rev-parse HEAD && git symbolic-ref -q --short HEAD;`
  + ' git for-each-ref --format="%(objectname) %(refname)"; git status --porcelain 2>/dev/null; git rev-list --count HEAD').join('\n') + '\ncat /srv/gt/main.txt; test -e /srv/gt/none || echo "no /srv/gt/none"');

async function sameAsAnsible(): Promise<Awaited<ReturnType<typeof applyJson>>> {
  const r = await mine();
  assert.is(r.code, 0, r.raw);
  const t = await theirs();
  assert.is(t.code, 0, t.raw);
  assert.equal(asOracle(r.report.hosts['gt-1'].tasks), t.tasks);
  const [a, b] = await Promise.all(ssh.map(checkouts));
  assert.is(a, b);
  return r;
}

test('--check, apply, apply again, the remote moved: as ansible-playbook, the same checkouts', async () => {
  publish(COMMITS);
  const check = await mine('--check');
  const first = await sameAsAnsible();
  checkSays(check, first, FRESH);
  const main = await sh(ssh[0], 'git -C /srv/gt/main rev-parse HEAD');
  assert.is(await sh(ssh[0], 'cat /srv/gt/main.txt'), `before= after=${main.trim()} url_changed=-\n`);
  assert.is((await sh(ssh[0], 'git -C /srv/gt/shallow rev-list --count HEAD')).trim(), '1', 'a shallow clone');

  const converged = await mine('--check');
  const second = await sameAsAnsible();
  checkSays(converged, second);
  assert.equal(second.report.hosts['gt-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task),
    ['what the main branch registered', 'clone no, and nothing there'], 'only what Ansible reports changed on every run');

  publish([...COMMITS, { message: 'three', files: { 'RELEASE': 'three\n' } }]);
  const moved = await mine('--check');
  const third = await sameAsAnsible();
  checkSays(moved, third);
  assert.equal(third.report.hosts['gt-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task),
    ['the main branch', 'what the main branch registered', 'a bare mirror', 'a shallow clone of the bare mirror', 'clone no, and nothing there']);
  assert.is(await sh(ssh[0], 'cat /srv/gt/main/RELEASE'), 'three\n');
  assert.is(await sh(ssh[0], 'cat /srv/gt/tag/RELEASE /srv/gt/frozen/RELEASE'), 'one\ntwo\n', 'the tag and the frozen checkout stay');
});

test.run();
