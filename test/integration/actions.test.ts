// debug, set_fact, assert, fail and pause on real lab hosts, with real Ansible as the oracle: the same playbook
// applied by provision to one host and by ansible-playbook to another gives the same statuses, first and second
// run, and the same files; and what --check says of them before the first apply.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('actions: debug, set_fact, assert, fail, pause');
const PB = 'test/fixtures/playbooks/actions.yml';
const FILES = ['/root/act-facts', '/root/act-debug'];
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ac', 2, (l, s) => { lab = l; ssh = s; });

const ours = async (args: string[] = []) => {
  const r = await applyJson([PB, '--limit', 'ac-1', ...args], lab.inventory);
  assert.is(r.code, 0, r.raw);
  return r.report.hosts['ac-1'].tasks;
};

test('check mode: what reads a fact set from an unknown result is conditional, with the reason; the rest is known', async () => {
  const t = await ours(['--check']);
  assert.equal(t.map((x) => `${x.task}: ${x.status}`), [
    'say hello: ok', 'show a variable: ok', 'a fact from a command: ok', 'set facts: conditional', 'use them: conditional',
    'assert it: conditional', 'an assertion that fails: conditional', 'fail when asked: conditional', 'a short pause: ok',
    'registered debug: ok', 'what debug registered: conditional',
  ]);
  assert.match(t[3].error!, /reads deb\.stdout, which check mode cannot know/);
  assert.match(t[4].error!, /reads deb\.stdout/);
  // The command ran no step in check mode and may change anything (no creates): files after it are unknown.
  assert.match(t[10].error!, /reads file:\/root\/act-debug.*which an earlier change only simulated/);
  assert.equal([t[0].msg, t[1].msg], ['port 80', 'port: 80']);
  assert.equal(Object.values(await filesOn(ssh[0], FILES)), ['absent', 'absent']);
});

test('apply: the statuses and files of ansible-playbook on another host, first and second run', async () => {
  for (const run of ['first', 'second']) {
    const mine = await ours();
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'ac-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(mine), theirs.tasks, `${run} run`);
    const failed = mine.find((t) => t.task === 'an assertion that fails')!;
    assert.equal([failed.status, failed.ignored, failed.error], ['failed', true, 'port is 8080']);
  }
  const [a, b] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(a, b);
  const text = (await ssh[0].exec('cat /root/act-facts /root/act-debug')).stdout;
  assert.match(text, /^\d+ on 8080\na,b\n$/);
});

test.run();
