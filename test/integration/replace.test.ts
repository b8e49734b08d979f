// replace on real lab hosts, with real Ansible as the oracle: provision applies the playbook on rp-1,
// ansible-playbook on rp-2; the same statuses, the same file (bytes, owner, mode), --check on a fresh host equal
// to the apply after it, and a second run changing nothing (so replacements made once are not made again) but a
// replacement that matches its regexp again, made on every run as Ansible makes it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('replace against ansible-playbook');
const PB = 'test/fixtures/playbooks/replace.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'rp', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['rp-1'].tasks.map((t) => `${t.task}: ${t.status}`);

test('check, apply, apply again: as ansible-playbook, the same bytes', async () => {
  const check = await applyJson([PB, '--limit', 'rp-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'rp-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check on a fresh host says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'rp-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['rp-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map((s) => filesOn(s, ['/root/rp-conf'])));
  assert.equal(mine, their);
  assert.is(await sh(ssh[0], 'cat /root/rp-conf'), 'Listen 880 # was 80\n[main]\nkey = 10\n[other]\nkey = 2\n');
  const second = await applyJson([PB, '--limit', 'rp-1'], lab.inventory);
  assert.equal(asOracle(second.report.hosts['rp-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'rp-2')).tasks);
  // The edited lines no longer match: nothing replaced again, but where the replacement matches its regexp again.
  assert.equal(second.report.hosts['rp-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), ['a replacement that matches again, made on every run (as Ansible makes it)']);
  assert.is(await sh(ssh[0], 'cat /root/rp-count'), 'nnn\n');
});

test.run();
