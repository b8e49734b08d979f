// service_facts on real lab hosts, with real Ansible as the oracle: the same statuses and files (every service's
// name, ssh's state, status and source) as ansible-playbook on another host.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('service_facts');
const PB = 'test/fixtures/playbooks/service-facts.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'sf', 2, (l, s) => { lab = l; ssh = s; });

test('services as ansible-playbook sees them', async () => {
  const r = await applyJson([PB, '--limit', 'sf-1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'sf-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.report.hosts['sf-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map((s) => sh(s, 'cat /root/sf-ssh /root/sf-absent /root/sf-all')));
  assert.is(a, b);
  assert.match(a, /^running enabled systemd\nabsent\n/);
  assert.match(a, /\nssh\.service\n/);
});

test.run();
