// apt_repository on real lab hosts, with real Ansible as the oracle: provision applies the playbook on ar-1,
// ansible-playbook on ar-2; the same statuses, the same list files (bytes, owner, mode) and the same package
// lists fetched by apt-get update, --check (after the prereq tasks) equal to the apply after it, a second run
// changing nothing; and a repository apt-get update cannot fetch: failed, the lists put back, by both.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apt_repository against ansible-playbook');
const PB = 'test/fixtures/playbooks/apt_repository.yml';
const REVERT = 'test/fixtures/playbooks/apt_repository-revert.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ar', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['ar-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const lists = (s: SshConnection) => treeOn(s, ['/etc/apt/sources.list', '/etc/apt/sources.list.d']);
const fetched = (s: SshConnection) => sh(s, 'ls /var/lib/apt/lists | grep -v -e ^lock$ -e ^partial$ -e ^auxfiles$');

test('check, apply, apply again: as ansible-playbook, the same lists', async () => {
  const prereq = await applyJson([PB, '--limit', 'ar-1', '--tags', 'prereq'], lab.inventory);
  assert.is(prereq.code, 0, prereq.raw);
  const theirPrereq = await ansiblePlaybook(PB, lab.inventory, 'ar-2', ['--tags', 'prereq']);
  assert.is(theirPrereq.code, 0, theirPrereq.raw);
  const check = await applyJson([PB, '--limit', 'ar-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'ar-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ar-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['ar-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map(lists));
  assert.equal(mine, their);
  assert.is(await sh(ssh[0], 'cd /etc/apt/sources.list.d && grep -H "" *.list'), [
    'backports-src.list:deb-src http://deb.debian.org/debian bookworm-backports main',
    'file_srv.list:deb [trusted=yes] file:/srv ./',
    'untidy.list:deb http://deb.debian.org/debian bookworm-proposed-updates main',
    'untidy.list:#  # old', // "##  old" -> "# #  old" -> "#  # old": Ansible's rewrite, twice (two later tasks changed lists)
    'untidy.list:deb http://deb.debian.org/debian bookworm contrib # extra',
    'untidy.list:',
    '',
  ].join('\n'));
  assert.match(mine.join('\n'), /backports-src\.list root:root 600 /);
  assert.equal(await fetched(ssh[0]), await fetched(ssh[1]), 'apt-get update ran where Ansible\'s did');
  assert.match(await fetched(ssh[0]), /bookworm-backports_main_source_Sources/);

  const second = await applyJson([PB, '--limit', 'ar-1'], lab.inventory);
  assert.equal(asOracle(second.report.hosts['ar-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'ar-2')).tasks);
  assert.equal(second.report.hosts['ar-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), ['backports', 'backports removed'],
    'only backports, removed at the end, is added and removed again');
});

test('an update that fails: the task fails, the lists are put back', async () => {
  const before = await Promise.all(ssh.map(lists));
  const mine = await applyJson([REVERT, '--limit', 'ar-1'], lab.inventory);
  const theirs = await ansiblePlaybook(REVERT, lab.inventory, 'ar-2');
  assert.equal(asOracle(mine.report.hosts['ar-1'].tasks), theirs.tasks);
  assert.equal(statuses(mine), ['a suite that does not exist: failed', 'backports, not updated: changed']);
  assert.match(mine.report.hosts['ar-1'].tasks[0].error ?? '', /Failed to update apt cache/);
  const after = await Promise.all(ssh.map(lists));
  assert.equal(after[0], after[1]);
  assert.equal(after[0].filter((l) => !l.includes('deb_debian_org_debian.list')), before[0].filter((l) => !l.includes('deb_debian_org_debian.list')));
  assert.is(await sh(ssh[0], 'cat /etc/apt/sources.list.d/deb_debian_org_debian.list'), 'deb http://deb.debian.org/debian bookworm-backports main\n',
    'the failed line is gone from the file the next task wrote');
});

test.run();
