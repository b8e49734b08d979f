// pip on real lab hosts, with real Ansible as the oracle: provision applies the playbook on pp-1,
// ansible-playbook on pp-2, with wheels of a tiny package built here offline (1.0 and 1.1) put on both hosts;
// the same statuses (system-wide pip failing for both: refused by provision, PEP 668 for Ansible), the same
// packages left in the virtualenv, a second run as Ansible's, and --check as the apply after it, but for the
// tasks that ask pip about a virtualenv after a change --check only simulated there: those are conditional.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { buildWheels } from '../helpers/artifacts.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('pip against ansible-playbook');
const PB = 'test/fixtures/playbooks/pip.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'pp', 2, (l, s) => { lab = l; ssh = s; });

test.before(async () => {
  const wheels = buildWheels();
  for (const s of ssh) {
    for (const f of readdirSync(wheels)) {
      await sh(s, `mkdir -p /root/pp-wheels && echo ${readFileSync(join(wheels, f)).toString('base64')} | base64 -d > /root/pp-wheels/${f}`);
    }
  }
});

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['pp-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const packagesIn = (s: SshConnection) => sh(s, '/opt/pp/venv/bin/pip3 list --format=freeze; ls /opt/pp/venv/bin | sort');

test('check, apply, apply again: as ansible-playbook, the same virtualenv', async () => {
  const prereq = await applyJson([PB, '--limit', 'pp-1', '--tags', 'prereq'], lab.inventory);
  assert.is(prereq.code, 0, prereq.raw);
  const theirPrereq = await ansiblePlaybook(PB, lab.inventory, 'pp-2', ['--tags', 'prereq']);
  assert.is(theirPrereq.code, 0, theirPrereq.raw);
  const check = await applyJson([PB, '--limit', 'pp-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'pp-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'pp-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['pp-1'].tasks), theirs.tasks);
  assert.equal(statuses(first).slice(1), [
    'system-wide, refused: failed', 'a pinned version in a new virtualenv: changed', 'again: ok', 'latest: changed', 'latest again: ok',
    'a requirements file: changed', 'from the requirements file: ok', 'removed: changed', 'removed again: ok']);
  assert.match(first.report.hosts['pp-1'].tasks[1].error ?? '', /externally managed \(PEP 668/);
  // --check: the virtualenv (and /opt/pp above it) does not exist yet: what pip would do in it, and whether the
  // requirements file's directory is there, is known only once it runs.
  const predicted = new Set(['again', 'latest', 'latest again', 'a requirements file', 'from the requirements file', 'removed', 'removed again']);
  assert.equal(statuses(check), statuses(first).map((s) => (predicted.has(s.split(':')[0]) ? `${s.split(':')[0]}: conditional` : s)));
  const [mine, their] = await Promise.all(ssh.map(packagesIn));
  assert.is(mine, their);
  assert.not.match(mine, /pp-hello/, 'removed at the end');

  const second = await applyJson([PB, '--limit', 'pp-1'], lab.inventory);
  assert.equal(asOracle(second.report.hosts['pp-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'pp-2')).tasks);
  // On a host with the virtualenv, --check is exact up to the first pip change it simulates; what pip would then
  // resolve in that virtualenv (the tasks after it there) is known only by running pip: conditional.
  const checkAgain = await applyJson([PB, '--limit', 'pp-1', '--check'], lab.inventory);
  const third = await applyJson([PB, '--limit', 'pp-1'], lab.inventory);
  const afterChange = new Set([...predicted].filter((t) => t !== 'a requirements file'));
  assert.equal(statuses(checkAgain), statuses(third).map((s) => (afterChange.has(s.split(':')[0]) ? `${s.split(':')[0]}: conditional` : s)));
  assert.ok(statuses(checkAgain).includes('a pinned version in a new virtualenv: changed'));
});

test.run();
