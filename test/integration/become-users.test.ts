// become_user at play, block and task level on real lab hosts, with real Ansible as the oracle: each command runs
// as the innermost become_user, as ansible-playbook runs it on another host; and the host's ansible_become_user,
// a connection variable, wins over the keywords, as in Ansible.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('become_user');
const PB = 'test/fixtures/playbooks/become-users.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'bu', 2, (l, s) => { lab = l; ssh = s; });

test('the innermost become_user runs each command, as under ansible-playbook', async () => {
  const r = await applyJson([PB, '--limit', 'bu-1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'bu-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.report.hosts['bu-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map((s) => sh(s, 'cat /root/become-users')));
  assert.is(a, 'nobody daemon bin\n');
  assert.is(b, a);
});

test('ansible_become_user of the host wins over the keywords', async () => {
  // The lab's inventory, with a host_vars file beside it.
  const inv = mkdtempSync(join(tmpdir(), 'provision-bu-'));
  copyFileSync(join(lab.inventory, 'hosts.yml'), join(inv, 'hosts.yml'));
  mkdirSync(join(inv, 'host_vars'));
  writeFileSync(join(inv, 'host_vars', 'bu-1.yml'), 'ansible_become_user: daemon\n');
  const r = await applyJson([PB, '--limit', 'bu-1'], inv);
  assert.is(r.code, 0, r.raw);
  assert.is(await sh(ssh[0], 'cat /root/become-users'), 'daemon daemon daemon\n');
});

test.run();
