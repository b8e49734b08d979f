// hostname on real lab hosts, with real Ansible as the oracle: provision applies the playbook on hn-1,
// ansible-playbook on hn-2; the same statuses, the same names (hostname, /etc/hostname, the pretty name in
// /etc/machine-info), the same ansible_hostname/nodename/fqdn/domain seen by later tasks (after gathered facts
// and without them), --check on a fresh host equal to the apply after it, and a second run changing nothing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('hostname against ansible-playbook');
const PB = 'test/fixtures/playbooks/hostname.yml';
const FILES = ['/etc/hostname', '/etc/machine-info', '/etc/hosts', '/root/hn-facts', '/root/hn-facts-nogather'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'hn', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['hn-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const names = (s: SshConnection) => sh(s, 'hostname; hostnamectl --static status; hostnamectl --transient status; hostnamectl --pretty status');

test('check, apply, apply again: as ansible-playbook, the same names and facts', async () => {
  const check = await applyJson([PB, '--limit', 'hn-1', '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  assert.is(await sh(ssh[0], 'hostname'), 'hn-1\n', '--check changed nothing');
  const first = await applyJson([PB, '--limit', 'hn-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check on a fresh host says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'hn-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['hn-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(mine, their);
  const [myNames, theirNames] = await Promise.all(ssh.map(names));
  assert.is(myNames, theirNames);
  assert.is(myNames, 'web01\nweb01\nweb01\nweb01\n');
  assert.is(await sh(ssh[0], 'cat /etc/hostname /root/hn-facts /root/hn-facts-nogather'),
    'web01\nweb01 web01 web01.lab.example lab.example web01 web01.lab.example\nweb01 web01 web01.lab.example lab.example lab.example\n');
  const second = await applyJson([PB, '--limit', 'hn-1'], lab.inventory);
  assert.is(second.code, 0, second.raw);
  assert.equal(asOracle(second.report.hosts['hn-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'hn-2')).tasks);
  assert.is(second.report.hosts['hn-1'].changed, 0, 'the name is set: nothing changes again');
  const again = await applyJson([PB, '--limit', 'hn-1', '--check'], lab.inventory);
  assert.equal(statuses(again), statuses(second), '--check on the converged host: nothing to do');
});

test('a strategy of another system is refused by name; Ansible fails on it too', async () => {
  const pb = PB.replace('hostname.yml', 'hostname-redhat.yml');
  const r = await applyJson([pb, '--limit', 'hn-1'], lab.inventory);
  assert.is.not(r.code, 0);
  assert.match(r.raw, 'use: redhat is not supported');
  const theirs = await ansiblePlaybook(pb, lab.inventory, 'hn-2');
  assert.equal(asOracle(r.report.hosts['hn-1'].tasks), theirs.tasks);
});

test.run();
