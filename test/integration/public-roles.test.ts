// Six public Ansible roles, unchanged (test/fixtures/ansible/roles: each with its licence and ORIGIN.md), each in
// a small playbook like its README's (test/fixtures/ansible/*.yml), with real Ansible as the oracle: provision
// applies a playbook to one fresh lab host, ansible-playbook to another, and the two runs must have the same tasks
// in the same order with the same statuses, first and second run (the second changing nothing), and leave /etc the
// same on both: every file, directory and link, with its owner, group, mode and content. provision's --check, on the
// fresh host and on the converged one, must agree with the apply that follows it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('public roles, unchanged, against ansible-playbook');
/** Each playbook, and the include files validate warns of: read by Ansible only if their `when` holds (never on Debian). */
const ROLES: Array<{ name: string; deferred: string[] }> = [
  { name: 'haproxy', deferred: [] },
  { name: 'memcached', deferred: [] },
  { name: 'nginx', deferred: ['setup-FreeBSD.yml:9:3', 'setup-OpenBSD.yml:3:3', 'setup-Archlinux.yml:3:3', 'setup-Suse.yml:3:3'] },
  { name: 'postfix', deferred: [] },
  { name: 'redis', deferred: ['setup-RedHat.yml:6:5', 'setup-Archlinux.yml:3:3'] },
  { name: 'logrotate', deferred: [] },
];
const pb = (name: string) => `test/fixtures/ansible/${name}.yml`;
let lab: TestLab;
let ssh: SshConnection[] = [];
// Hosts pr-(2i+1) (provision) and pr-(2i+2) (Ansible) for role i.
useLab(test, 'pr', 2 * ROLES.length, (l, s) => { lab = l; ssh = s; });
const mineOf = (i: number) => `pr-${2 * i + 1}`;
const theirsOf = (i: number) => `pr-${2 * i + 2}`;

type Line = { task: string; status: string; ignored: boolean };
const shown = (ts: Line[]) => ts.map((t) => `${t.task}: ${t.status}`);

async function ours(i: number, args: string[] = []): Promise<Line[]> {
  const r = await applyJson([pb(ROLES[i].name), '--limit', mineOf(i), ...args], lab.inventory);
  assert.is(r.code, 0, `${ROLES[i].name} ${args.join(' ')}: ${r.raw}`);
  return asOracle(r.report.hosts[mineOf(i)].tasks);
}

async function theirs(i: number): Promise<Line[]> {
  const r = await ansiblePlaybook(pb(ROLES[i].name), lab.inventory, theirsOf(i));
  assert.is(r.code, 0, `${ROLES[i].name} (ansible-playbook): ${r.raw}`);
  return r.tasks;
}

test('validate: each playbook is valid; what is refused only if a conditional include runs is a warning at its file:line:col', async () => {
  for (const { name, deferred } of ROLES) {
    const r = await provision(['validate', pb(name), '-i', lab.inventory]);
    assert.is(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, /: valid\n$/);
    const warned = r.stderr.split('\n').filter(Boolean).map((l) => /tasks\/(\S+?): /.exec(l)?.[1]);
    assert.equal(warned, deferred, name);
  }
});

const before: Line[][] = [];
const first: Line[][] = [];
const second: Line[][] = [];

test('--check on a fresh host: each task is the status the apply gives it, or conditional (it reads what an install only simulated would change)', async () => {
  const etc = () => Promise.all(ROLES.map((_, i) => treeOn(ssh[2 * i], ['/etc'])));
  const untouched = await etc();
  before.push(...await Promise.all(ROLES.map((_, i) => ours(i, ['--check']))));
  assert.equal(await etc(), untouched, 'check mode wrote nothing under /etc');
  for (const [i, t] of before.entries()) {
    assert.ok(t.some((x) => x.status === 'conditional'), `${ROLES[i].name}: a package install on a fresh host cannot be predicted`);
    assert.not.ok(t.some((x) => x.status === 'failed'), `${ROLES[i].name}: ${shown(t).join('\n')}`);
  }
});

test('first apply: the tasks and statuses of ansible-playbook on another fresh host; the --check before it agreed', async () => {
  const runs = await Promise.all(ROLES.map(async (_, i) => Promise.all([ours(i), theirs(i)])));
  for (const [i, [mine, oracle]] of runs.entries()) {
    assert.equal(shown(mine), shown(oracle), `${ROLES[i].name}, first run`);
    assert.ok(mine.some((x) => x.status === 'changed'), ROLES[i].name);
    first.push(mine);
    // --check said each task's status, or that it could not be known.
    const known = before[i].map((x, j) => (x.status === 'conditional' ? `${x.task}: ${mine[j]?.status}` : `${x.task}: ${x.status}`));
    assert.equal(known, shown(mine), `${ROLES[i].name}: --check before the first apply`);
  }
});

test('second apply: nothing changed, as ansible-playbook; --check on the converged host says exactly that', async () => {
  const runs = await Promise.all(ROLES.map(async (_, i) => Promise.all([ours(i), theirs(i)])));
  for (const [i, [mine, oracle]] of runs.entries()) {
    assert.equal(shown(mine), shown(oracle), `${ROLES[i].name}, second run`);
    assert.not.ok(mine.some((x) => x.status === 'changed'), `${ROLES[i].name}: a second apply changes nothing: ${shown(mine).join('\n')}`);
    second.push(mine);
  }
  const checks = await Promise.all(ROLES.map((_, i) => ours(i, ['--check'])));
  for (const [i, t] of checks.entries()) assert.equal(shown(t), shown(second[i]), `${ROLES[i].name}: --check on the converged host`);
});

test('/etc on both hosts: every file, directory and link the same, with the same owner, group, mode and bytes', async () => {
  for (const [i, { name }] of ROLES.entries()) {
    const [a, b] = await Promise.all([treeOn(ssh[2 * i], ['/etc']), treeOn(ssh[2 * i + 1], ['/etc'])]);
    const onlyA = a.filter((l) => !b.includes(l));
    const onlyB = b.filter((l) => !a.includes(l));
    assert.equal({ provision: onlyA, ansible: onlyB }, { provision: [], ansible: [] }, `${name}: /etc differs`);
    assert.ok(a.length > 300, `${name}: /etc was listed (${a.length} entries)`);
  }
});

test.run();
