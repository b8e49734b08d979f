// debconf on real lab hosts, with real Ansible as the oracle: provision applies the playbook on dc-1,
// ansible-playbook on dc-2; the same statuses on two runs (the password set every time by both), the same answers
// in debconf's database, and --check on the converged host equal to the second run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('debconf against ansible-playbook');
const PB = 'test/fixtures/playbooks/debconf.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'dc', 2, (l, s) => { lab = l; ssh = s; });

const answers = (s: SshConnection) => sh(s, 'debconf-show provision-test | sort; debconf-show tzdata | grep "tzdata/Areas"');

test('two runs and --check: the statuses of ansible-playbook, the same answers', async () => {
  for (const run of [1, 2]) {
    const r = await applyJson([PB, '--limit', 'dc-1'], lab.inventory);
    assert.is(r.code, 0, r.raw);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'dc-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['dc-1'].tasks), theirs.tasks, `run ${run}`);
    assert.not.ok(r.raw.includes('s3cret'), 'the password is never shown');
    if (run === 2) {
      assert.equal(r.report.hosts['dc-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), ['a password']);
      const check = await applyJson([PB, '--limit', 'dc-1', '--check'], lab.inventory);
      assert.equal(check.report.hosts['dc-1'].tasks.map((t) => t.status), r.report.hosts['dc-1'].tasks.map((t) => t.status));
    }
  }
  const [mine, their] = await Promise.all(ssh.map(answers));
  assert.is(mine, their);
  assert.match(mine, 'provision-test/count: 5');
  assert.match(mine, 'provision-test/enable: true');
  assert.match(mine, 'tzdata/Areas: Europe');
});

test.run();
