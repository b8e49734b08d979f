// stat on real lab hosts, with real Ansible as the oracle: provision applies test/fixtures/playbooks/stat.yml on
// st-1, ansible-playbook on st-2: the same statuses, the same report of what stat said (written by the playbook),
// and the same second run. --check on a fresh host: a stat of a path an earlier simulated change touched is
// conditional (its mtime, checksum, even its existence come only from running), never guessed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('stat against ansible-playbook');
const PB = 'test/fixtures/playbooks/stat.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'st', 2, (l, s) => { lab = l; ssh = s; });

test('--check on a fresh host: conditional where a simulated change touched the path, and nothing written', async () => {
  const check = await applyJson([PB, '--limit', 'st-1', '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  assert.equal(check.report.hosts['st-1'].tasks.map((t) => `${t.task}: ${t.status}`), ['stat of what is not there: ok', 'written only if absent: changed',
    'stat after: conditional', 'a link: changed', 'stat of the link: conditional', 'stat through the link: conditional',
    'a link whose target has backslashes (a shell\'s echo would read them as escapes): changed', 'stat of that link: conditional', 'what they say: conditional',
    'skipped unless a directory: conditional']);
  assert.is(await sh(ssh[0], 'ls /root/st-file /root/st-link /root/st-report 2>&1 | grep -c "No such" || true'), '3\n');
});

test('apply twice: the statuses of ansible-playbook, the same report of what stat said', async () => {
  for (const run of [1, 2]) {
    const r = await applyJson([PB, '--limit', 'st-1'], lab.inventory);
    assert.is(r.code, 0, r.raw);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'st-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['st-1'].tasks), theirs.tasks, `run ${run}`);
    const [mine, their] = await Promise.all(ssh.map((s) => sh(s, 'cat /root/st-report')));
    assert.is(mine, their, `run ${run}`);
    // The second run's report says the file was there before: that one line changes, nothing else.
    if (run === 2) assert.equal(r.report.hosts['st-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), ['what they say']);
  }
  const report = await sh(ssh[0], 'cat /root/st-report');
  assert.match(report, /^True 0640 2 [0-9a-f]{64} root True\nTrue \/root\/st-file \/root\/st-file none True [0-9a-f]{40}\nTrue \/root\/st\\b\\c\\\\d \/root\/st\\b\\c\\\\d\n$/);
});

test.run();
