// apt's arguments beyond install and remove, on real lab hosts with real Ansible as the oracle: provision applies
// test/fixtures/playbooks/apt-more.yml on aq-1, ansible-playbook on aq-2; the same statuses (an update beside
// packages that are there is not a change, an autoremove that removes nothing is ok, a downgrade needs
// allow_downgrade), and the same packages left (dpkg's list and what apt marked as installed automatically). The
// playbook runs each transition twice itself (autoremove, purge, a deb): one run of each tool is enough.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apt arguments against ansible-playbook');
const PB = 'test/fixtures/playbooks/apt-more.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'aq', 2, (l, s) => { lab = l; ssh = s; });

/** Every package with its status and version, and those marked automatic. */
const packages = (s: SshConnection) => sh(s, "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' | grep -v '^un' | sort; echo; apt-mark showauto | sort");

test('the statuses of ansible-playbook, the same packages', async () => {
  // Two versions of tzdata the lab's lists offer, oldest first (they change as Debian publishes).
  await Promise.all(ssh.map((s) => sh(s, 'apt-get update -q >/dev/null')));
  const versions = (await sh(ssh[0], "apt-cache madison tzdata | awk '{print $3}' | sort -V | uniq")).trim().split('\n');
  assert.ok(versions.length >= 2, `tzdata versions: ${versions}`);
  const vars = ['-e', `old=${versions[0]}`, '-e', `new=${versions.at(-1)}`];
  // The host starts at the newest, so that the old one is a downgrade on both.
  await Promise.all(ssh.map((s) => sh(s, `DEBIAN_FRONTEND=noninteractive apt-get install -y -q tzdata=${versions.at(-1)} >/dev/null`)));
  const check = await applyJson([PB, '--limit', 'aq-1', '--check', ...vars], lab.inventory);
  const mine = await applyJson([PB, '--limit', 'aq-1', ...vars], lab.inventory);
  assert.is(mine.code, 0, mine.raw);
  // --check never guesses: each task is what the apply did, or conditional (after a package change only simulated).
  const applied = mine.report.hosts['aq-1'].tasks;
  check.report.hosts['aq-1'].tasks.forEach((t, i) => {
    // wait_for is skipped under --check, as Ansible skips it.
    if (t.status !== 'conditional' && t.module !== 'wait_for') assert.is(`${t.task}: ${t.status}`, `${applied[i].task}: ${applied[i].status}`);
  });
  assert.is(check.report.hosts['aq-1'].tasks[0].status, 'ok', 'an update beside packages that are there is no change');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'aq-2', vars);
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(mine.report.hosts['aq-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map(packages));
  // Ansible's host also has python3-apt (and what it needs), which its apt module installs for itself.
  const drop = (list: string) => list.split('\n').filter((l) => !/python3-apt|python-apt-common|distro-info-data/.test(l)).join('\n');
  assert.is(drop(a), drop(b), 'the same packages');
  assert.match(a, /^ii +hello /m);
  assert.match(a, /^ii +libonig5 /m);
  assert.not.match(a, /^ii +jq /m);
  assert.not.match(a, / nano /);
});

test.run();
