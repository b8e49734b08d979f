// systemd_service on real lab hosts, with real Ansible as the oracle: provision applies the playbook on sd-1,
// ansible-playbook on sd-2; each task's status must be the same (daemon_reload reported ok, masking), and so must
// the units left behind (active, enabled, masked, and the Description systemd read, which only a daemon-reload
// makes it see). A second run, and --check on the converged host, agree with Ansible's second run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('systemd_service against ansible-playbook');
const PB = 'test/fixtures/playbooks/systemd-service.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'sd', 2, (l, s) => { lab = l; ssh = s; });

const units = (s: SshConnection) => sh(s, 'for u in sd-demo sd-other sd-third; do echo "$u $(systemctl is-active $u) $(systemctl is-enabled $u 2>&1)"; done; '
  + 'systemctl show sd-demo -p Description -p NeedDaemonReload; cat /root/sd-registered');

test('first run, second run, --check: the statuses of ansible-playbook, the same units left', async () => {
  const first = await applyJson([PB, '--limit', 'sd-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'sd-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['sd-1'].tasks), theirs.tasks);
  const statuses = first.report.hosts['sd-1'].tasks.map((t) => `${t.task}: ${t.status}`);
  assert.ok(statuses.includes('reload alone: ok') && statuses.includes('reload what changed: ok'), statuses.join('\n'));
  const reload = first.report.hosts['sd-1'].tasks.find((t) => t.task === 'reload what changed')!;
  assert.equal(reload.changes, ['daemon-reload (systemd reads its changed unit files again)'], 'it ran, and says so');
  const [mine, their] = await Promise.all(ssh.map(units));
  assert.is(mine, their);
  assert.is(mine, 'sd-demo active enabled\nsd-other inactive masked\nsd-third inactive Failed to get unit file state for sd-third.service: No such file or directory\n'
    + 'Description=demo changed\nNeedDaemonReload=no\nTrue'); // "{{ x }}\n" is x's value: True, no newline
  const second = await applyJson([PB, '--limit', 'sd-1'], lab.inventory);
  const theirSecond = await ansiblePlaybook(PB, lab.inventory, 'sd-2');
  assert.equal(asOracle(second.report.hosts['sd-1'].tasks), theirSecond.tasks);
  assert.equal([second.code, theirSecond.code], [0, 0], second.raw);
  assert.equal(second.report.hosts['sd-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task),
    ['the other unmasked (masked by the run before)', 'the other started', 'reloaded', 'the other masked and stopped', 'a third masked, never started',
      'the third unmasked'], 'daemon_reload: ok, nothing changed on disk');
  const check = await applyJson([PB, '--limit', 'sd-1', '--check'], lab.inventory);
  assert.equal(check.report.hosts['sd-1'].tasks.map((t) => `${t.task}: ${t.status}`), second.report.hosts['sd-1'].tasks.map((t) => `${t.task}: ${t.status}`));
});

test.run();
