// debconf on real lab hosts, with real Ansible as the oracle: provision applies the playbook on dc-1,
// ansible-playbook on dc-2; the same statuses on two runs (the password set every time by both), the same answers
// in debconf's database, and --check on the converged host equal to the second run; first, on the fresh hosts,
// --check --diff shows each answer before and after as ansible-playbook does.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('debconf against ansible-playbook');
const PB = 'test/fixtures/playbooks/debconf.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'dc', 2, (l, s) => { lab = l; ssh = s; });

const answers = (s: SshConnection) => sh(s, 'debconf-show provision-test | sort; debconf-show tzdata | grep "tzdata/Areas"');

/** The body lines of each debconf diff (the answers as JSON, before and after), without the headers either tool writes. */
const bodies = (out: string) => out.split('\n').map((l) => l.replace(/^ {12}/, '')).filter((l) => /^[-+ ]( {4}".*|[{}])$/.test(l));

test('--check --diff on fresh hosts: each answer before and after, as ansible-playbook shows them; the password not', async () => {
  const mine = await provision(['apply', PB, '-i', lab.inventory, '--limit', 'dc-1', '--check', '--diff']);
  assert.is(mine.code, 0, mine.stdout + mine.stderr);
  const theirs = await new Promise<string>((resolve) => execFile('ansible-playbook', ['-i', join(lab.inventory, 'hosts.yml'), '--limit', 'dc-2', PB, '--check', '--diff'],
    { env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: 'auto_silent' } }, (_e, out) => resolve(out)));
  assert.ok(bodies(theirs).length >= 12, theirs);
  assert.equal(bodies(mine.stdout), bodies(theirs));
  assert.not.ok(mine.stdout.includes('s3cret'));
});

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
