// File modes in every form Ansible takes, on real lab hosts with real Ansible as the oracle: provision applies
// test/fixtures/playbooks/modes.yml on md-1, ansible-playbook on md-2; the same statuses, the same modes, owners
// and bytes left on disk, --check on a fresh host equal to the apply after it, and a second run changing nothing.
import { chmodSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { root } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('modes against ansible-playbook');
const PB = 'test/fixtures/playbooks/modes.yml';
const FILES = ['/root/md', '/root/md/a', '/root/md/b', '/root/md/c', '/root/md/tool', '/root/md/conf', '/root/md/d', '/root/md/tmp'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'md', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['md-1'].tasks.map((t) => `${t.task}: ${t.status}`);

test('check, apply, apply again: as ansible-playbook, the same modes', async () => {
  // git keeps only 0644 and 0755: the template's own mode is set here.
  chmodSync(`${root}/test/fixtures/playbooks/templates/md-conf.j2`, 0o640);
  chmodSync(`${root}/test/fixtures/playbooks/files/md-tool.sh`, 0o755);
  // A umask that differs from the usual 022 on both hosts, so "+x" shows it is obeyed.
  await Promise.all(ssh.map((s) => sh(s, "echo 'umask 027' >> /root/.profile; echo 'umask 027' >> /root/.bashrc")));
  const check = await applyJson([PB, '--limit', 'md-1', '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const first = await applyJson([PB, '--limit', 'md-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check on a fresh host says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'md-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['md-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(mine, their);
  const modes = await sh(ssh[0], `stat -c '%n %a' ${FILES.join(' ')}`);
  assert.match(modes, '/root/md/a 754', '+x obeys the umask 027: others get no x');
  assert.match(modes, '/root/md/tool 755');
  assert.match(modes, '/root/md/conf 640');
  assert.match(modes, '/root/md/c 600');
  assert.match(modes, '/root/md/tmp 1777');
  const second = await applyJson([PB, '--limit', 'md-1'], lab.inventory);
  assert.equal(asOracle(second.report.hosts['md-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'md-2')).tasks);
  assert.is(second.report.hosts['md-1'].changed, 0, statuses(second).join('\n'));
});

test.run();
