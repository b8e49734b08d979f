// cron on real lab hosts, with real Ansible as the oracle: provision applies the playbook on cr-1, ansible-playbook
// on cr-2; the same statuses, the same tables left (root's and www-data's as `crontab -l` lists them, the files of
// /etc/cron.d with their owner and mode, the file whose last job was removed gone), a second run as Ansible's
// second, and --check equal to the apply after it. The cron package is installed first on its own (--tags
// package): before it, --check cannot know what crontab would say (its cron tasks are conditional), after it,
// every status is exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('cron against ansible-playbook');
const PB = 'test/fixtures/playbooks/cron.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'cr', 2, (l, s) => { lab = l; ssh = s; });

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['cr-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const tables = (s: SshConnection) => sh(s, 'crontab -l; echo ---; crontab -u www-data -l; echo ---; cat /etc/cron.d/cr-sync; ls /etc/cron.d');
const FILES = ['/etc/cron.d/cr-sync', '/etc/cron.d/cr-gone', '/var/spool/cron/crontabs', '/var/spool/cron/crontabs/root', '/var/spool/cron/crontabs/www-data'];

test('fresh --check: the cron tasks conditional until the package is there', async () => {
  const check = await applyJson([PB, '--limit', 'cr-1', '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  const [pkg, ...rest] = statuses(check);
  assert.is(pkg, 'the cron package: changed');
  assert.equal(rest.filter((s) => !s.endsWith(': conditional')), [], 'crontab is not there yet: nothing can be known of it');
});

test('check, apply, apply again: as ansible-playbook, the same tables', async () => {
  const pkg = await applyJson([PB, '--limit', 'cr-1', '--tags', 'package'], lab.inventory);
  assert.is(pkg.code, 0, pkg.raw);
  const check = await applyJson([PB, '--limit', 'cr-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'cr-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'cr-2');
  assert.is(theirs.code, 0, theirs.raw);
  // The package task: installed before by provision (ok), by Ansible now (changed).
  assert.equal(asOracle(first.report.hosts['cr-1'].tasks).slice(1), theirs.tasks.slice(1));
  const [mine, their] = await Promise.all(ssh.map(tables));
  assert.is(mine, their);
  assert.is(mine, 'MAILTO="ops@example.org"\nSHELL="/bin/bash"\n#Ansible: backup\n0 3 * * * /usr/local/bin/backup\n#Ansible: boot\n#@reboot /usr/local/bin/up\n---\n'
    + '#Ansible: report\n30 7 * * 1-5 cd /srv && ./report > /dev/null 2>&1\n#Ansible: own\n15 * * * * /bin/true\n---\n#Ansible: sync\n*/5 * * * * www-data /usr/local/bin/sync\n'
    + 'cr-sync\ne2scrub_all\n');
  const [myFiles, theirFiles] = await Promise.all(ssh.map((s) => filesOn(s, FILES.slice(0, 2))));
  assert.equal(myFiles, theirFiles);
  const modes = await Promise.all(ssh.map((s) => sh(s, `stat -c '%n %U:%G %a' ${FILES.slice(2).join(' ')}`)));
  assert.is(modes[0], modes[1]);
  const second = await applyJson([PB, '--limit', 'cr-1'], lab.inventory);
  const theirSecond = await ansiblePlaybook(PB, lab.inventory, 'cr-2');
  assert.equal(asOracle(second.report.hosts['cr-1'].tasks), theirSecond.tasks);
  assert.equal(second.report.hosts['cr-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task),
    ['a second job there', 'the second job removed', 'a file for one job', 'its last job removed'], 'only what the play undoes itself is done again');
  assert.is(await tables(ssh[0]), mine);
});

test.run();
