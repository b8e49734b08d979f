// Where Ansible's hosts move together, with real Ansible as the oracle: run_once, meta: end_host / end_play and
// serial batches (test/fixtures/orchestration/). provision runs each playbook on three lab hosts, ansible-playbook
// on three others; each host's tasks and statuses must be those of the host in the same place, and so must the
// files they wrote. A run_once task is reported by Ansible only where it ran; provision reports its share on the
// other hosts too (ran_on), which the comparison leaves out (asOracle).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansibleOnHosts, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('orchestration: run_once, end_host, end_play, serial, any_errors_fatal, max_fail_percentage, delegate_to against ansible-playbook');
const MINE = ['or-1', 'or-2', 'or-3'];
const THEIRS = ['or-4', 'or-5', 'or-6'];
const FILES = ['notified', 'after-end-host', 'after-skipped-end-play', 'never', 'handler', 'next-play', 'who', 'fact', 'once-skipped', 'once-block',
  'once-handler', 'after-fail', 'after-fail-next', 'batch', 'batch-who', 'serial-after', 'serial-later', 'local', 'from-0', 'from-1', 'from-2',
  'lines', 'hostvars', 'rescued', 'fatal-one', 'fatal-after', 'fatal-next', 'max-one', 'max-two', 'max-next'].map((f) => `/root/orch-${f}`);
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'or', 6, (l, s) => { lab = l; ssh = s; });

type Both = { mine: Record<string, unknown[]>; theirs: Record<string, unknown[]>; code: number; theirCode: number; report: Awaited<ReturnType<typeof applyJson>>['report'] };

/** The playbook by provision on or-1..3 and by ansible-playbook on or-4..6, from clean files; each host's tasks by place. */
async function both(playbook: string): Promise<Both> {
  await Promise.all(ssh.map((s) => s.exec('rm -f /root/orch-*')));
  const pb = `test/fixtures/orchestration/${playbook}`;
  const [r, a] = await Promise.all([applyJson([pb, '--limit', MINE.join(',')], lab.inventory), ansibleOnHosts(pb, lab.inventory, THEIRS)]);
  const mine = Object.fromEntries(MINE.map((h, i) => [i, asOracle(r.report.hosts[h].tasks)]));
  const theirs = Object.fromEntries(THEIRS.map((h, i) => [i, a.byHost[h]]));
  return { mine, theirs, code: r.code, theirCode: a.code, report: r.report };
}

/** Each host's files, by place, provision's against Ansible's. */
async function sameFiles(): Promise<Record<string, string>[]> {
  const all = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(all.slice(0, 3), all.slice(3), 'the files on each host are those on the Ansible host in the same place');
  return all.slice(0, 3);
}

const present = (files: Record<string, string>) => Object.keys(files).filter((f) => files[f] !== 'absent').map((f) => f.replace('/root/orch-', ''));

test('meta: end_host ends one host\'s play (no handlers), end_play every host\'s; a false end_play is judged on the first host only', async () => {
  const r = await both('meta.yml');
  assert.is(r.code, 0);
  assert.is(r.theirCode, 0);
  assert.equal(r.mine, r.theirs);
  const files = await sameFiles();
  assert.equal(files.map(present), [['notified', 'after-end-host', 'after-skipped-end-play', 'next-play'], ['notified', 'next-play'],
    ['notified', 'after-end-host', 'after-skipped-end-play', 'next-play']]);
});

test('run_once: the first host runs it, every host registers its result and gets its fact; only it notifies', async () => {
  const r = await both('once.yml');
  assert.is(r.code, 0);
  assert.equal(r.mine, r.theirs);
  const files = await sameFiles();
  assert.equal(files.map(present), [['who', 'fact', 'once-block', 'once-handler'], ['who', 'fact'], ['who', 'fact']]);
  const text = await ssh[2].exec('cat /root/orch-who /root/orch-fact');
  assert.is(text.stdout, '0 True\n0\n', 'the third host holds the first host\'s result');
  const shares = r.report.hosts['or-2'].tasks.filter((t) => t.ran_on).map((t) => `${t.task}: ${t.status} on ${t.ran_on}`);
  assert.equal(shares, ['run once: ok on or-1', 'a fact once: ok on or-1', 'skipped on the first, so for all: skipped on or-1', 'in a run_once block: ok on or-1']);
});

test('run_once failing fails every host of the play, one that ended before it too: the run stops', async () => {
  const r = await both('once-fails.yml');
  assert.is(r.code, 1);
  assert.is.not(r.theirCode, 0);
  assert.equal(r.mine, r.theirs);
  assert.equal((await sameFiles()).map(present), [[], [], []]);
});

test('serial [1, 2]: the first host alone, then the other two, each batch after the one before; run_once once per batch', async () => {
  const r = await both('serial.yml');
  assert.is(r.code, 0);
  assert.equal(r.mine, r.theirs);
  await sameFiles();
  const read = async (s: SshConnection) => (await s.exec('cat /root/orch-batch /root/orch-batch-who /root/orch-start /root/orch-stop')).stdout.split('\n');
  const [one, two, three] = await Promise.all(ssh.slice(0, 3).map(read));
  assert.equal([one.slice(0, 2), two.slice(0, 2), three.slice(0, 2)], [['0 ', '0'], ['1 2 ', '1'], ['1 2 ', '1']]);
  assert.ok(BigInt(one[3]) < BigInt(two[2]) && BigInt(one[3]) < BigInt(three[2]), 'the second batch started after the first was done');
});

test('serial: a batch that failed whole stops the run, no later batch and no later play', async () => {
  const r = await both('serial-fails.yml');
  assert.is(r.code, 1);
  assert.equal(r.mine, r.theirs);
  assert.equal((await sameFiles()).map(present), [[], [], []]);
});

test('any_errors_fatal: one host failing stops the play and the run for every host; a rescued failure does not', async () => {
  const r = await both('fatal.yml');
  assert.is(r.code, 1);
  assert.is.not(r.theirCode, 0);
  assert.equal(r.mine, r.theirs);
  assert.equal((await sameFiles()).map(present), [['fatal-one'], ['fatal-one'], ['rescued', 'fatal-one']]);
});

test('max_fail_percentage: within it the play goes on; over it, it stops for every host, and the run', async () => {
  const r = await both('maxfail.yml');
  assert.is(r.code, 1);
  assert.equal(r.mine, r.theirs);
  assert.equal((await sameFiles()).map(present), [['max-one'], [], ['max-one']]);
});

test('hostvars of the other hosts hold their facts: every host has gathered before the first task', async () => {
  const r = await both('hostvars.yml');
  assert.is(r.code, 0, JSON.stringify(r.report));
  assert.equal(r.mine, r.theirs);
  await sameFiles();
  const texts = await Promise.all(ssh.map(async (s) => (await s.exec('cat /root/orch-hostvars')).stdout));
  assert.equal(texts, Array(6).fill('0 Debian 1 Debian 2 Debian \n'));
});

test('delegate_to: a task runs on the controller or on another host of the run, with its own host\'s variables', async () => {
  const r = await both('delegate.yml');
  assert.is(r.code, 0, JSON.stringify(r.report));
  assert.is(r.theirCode, 0);
  assert.equal(r.mine, r.theirs);
  const files = await sameFiles();
  assert.equal(files.map(present), [['local', 'from-0', 'from-1', 'from-2', 'lines'], ['local'], ['local']]);
  const text = await ssh[0].exec('cat /root/orch-from-0 /root/orch-from-1 /root/orch-from-2 /root/orch-lines');
  assert.is(text.stdout, '0 True\n1 False\n2 False\nline of 0\n');
  assert.is((await ssh[2].exec('cat /root/orch-local')).stdout, 'from 2\n');
});

test.run();
