// Blocks on a real lab host, as Ansible runs them: a failure in `block` hands over to `rescue` (counted rescued,
// not failed; ansible_failed_task names it), `always` runs in any case, a failure no rescue takes fails the host
// after `always`; a block's `when` skips its tasks. And what --check says of them before the first apply. Real
// Ansible is the oracle: ansible-playbook on a second host reports the same statuses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson, type ReportTask } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('blocks');
const PB = 'test/fixtures/playbooks/blocks.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];

useLab(test, 'bk', 2, (l, s) => { lab = l; ssh = s; });

/** ansible-playbook's statuses on bk-2 are provision's on bk-1. */
async function sameAsAnsible(playbook: string, tasks: ReportTask[], code: number): Promise<void> {
  const theirs = await ansiblePlaybook(playbook, lab.inventory, 'bk-2');
  assert.is(theirs.code, code === 0 ? 0 : 2, theirs.raw);
  assert.equal(asOracle(tasks), theirs.tasks);
}

const statuses = (tasks: ReportTask[]) => tasks.map((t) => `${t.task}: ${t.status}${t.rescued ? ' (rescued)' : ''}`);

test('check before the first apply: the rescue is conditional (the command that fails is not run), nothing written', async () => {
  const check = await applyJson([PB, '--check', '--limit', 'bk-1'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const t = check.report.hosts['bk-1'].tasks;
  assert.equal(statuses(t), [
    'setup: changed', 'before the failure: changed', 'fails: changed', 'never runs: conditional', 'what failed: conditional',
    'always: conditional', 'skipped: skipped', 'inner task: conditional', 'inner always: conditional',
  ]);
  assert.match(t[4].error!, /runs only if a task of its block fails, which check mode cannot know/);
  assert.is(await sh(ssh[0], 'test -e /root/blk && echo there || echo absent'), 'absent\n');
});

test('apply: rescued, always, skipped by the block\'s when, nested; exit 0 with rescued=1; the second apply changes nothing', async () => {
  const run = await applyJson([PB, '--limit', 'bk-1'], lab.inventory);
  assert.is(run.code, 0, run.raw);
  const h = run.report.hosts['bk-1'];
  assert.equal(statuses(h.tasks), [
    'setup: changed', 'before the failure: changed', 'fails: failed (rescued)', 'what failed: changed', 'always: changed',
    'skipped: skipped', 'inner task: changed', 'inner always: changed',
  ]);
  assert.equal([h.failed, h.rescued], [0, 1]);
  await sameAsAnsible(PB, h.tasks, run.code);
  assert.is(await sh(ssh[0], 'cat /root/blk/rescued /root/blk/always /root/blk/inner; ls /root/blk | tr "\\n" " "'),
    'fails\nalways\ninner\na always inner inner-always rescued ');
  const again = await applyJson([PB, '--limit', 'bk-1'], lab.inventory);
  assert.is(again.code, 0, again.raw);
  assert.equal(statuses(again.report.hosts['bk-1'].tasks), [
    'setup: ok', 'before the failure: ok', 'fails: failed (rescued)', 'what failed: ok', 'always: ok',
    'skipped: skipped', 'inner task: ok', 'inner always: ok',
  ]);
  await sameAsAnsible(PB, again.report.hosts['bk-1'].tasks, again.code);
});

test('a failure no rescue takes: always runs, then the host has failed and runs nothing more', async () => {
  const run = await applyJson(['test/fixtures/playbooks/blocks-fail.yml', '--limit', 'bk-1'], lab.inventory);
  assert.is(run.code, 1, run.raw);
  assert.equal(statuses(run.report.hosts['bk-1'].tasks), ['fails: failed', 'always after an unrescued failure: changed']);
  await sameAsAnsible('test/fixtures/playbooks/blocks-fail.yml', run.report.hosts['bk-1'].tasks, run.code);
  assert.is(await sh(ssh[0], 'cat /root/blk-fail-always; test -e /root/blk-fail-after && echo there || echo absent'), 'ran\nabsent\n');
});

test.run();
