// Loops on real lab hosts, with real Ansible as the oracle: test/fixtures/loops/site.yml (loop with
// loop_control, every with_* form provision runs, a registered loop) applied by provision to one host and by
// ansible-playbook to another gives the same statuses, first and second run, and the same files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('loops');
const PB = 'test/fixtures/loops/site.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'lp', 2, (l, s) => { lab = l; ssh = s; });

/** Every file the playbook wrote: name, owner, mode and content. */
const written = async (i: number) => (await ssh[i].exec('cd /root/loops && for f in $(ls); do echo "== $f $(stat -c "%U:%G %a" $f)"; cat $f; done')).stdout;

test('apply: the statuses and files of ansible-playbook on another host, first and second run', async () => {
  for (const run of ['first', 'second']) {
    const r = await applyJson([PB, '--limit', 'lp-1'], lab.inventory);
    assert.is(r.code, 0, r.raw);
    const mine = asOracle(r.report.hosts['lp-1'].tasks);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'lp-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(mine, theirs.tasks, `${run} run`);
    if (run === 'second') assert.not.ok(mine.some((t) => t.status === 'changed'), 'a second apply changes nothing');
  }
  const [a, b] = await Promise.all([written(0), written(1)]);
  assert.is(a, b);
  for (const f of ['dict-ann', 'together-b', 'nested-y-2', 'sub-ann-adm', 'seq-n05', 'indexed-2', 'one.conf', 'control-bob', 'registered']) {
    assert.match(a, `== ${f} `);
  }
  assert.match(a, /== registered [^\n]*\nhi,there hi,there\n/);
  assert.match(a, /== control-bob [^\n]*\n1 bob 1\n/);
});

test.run();
