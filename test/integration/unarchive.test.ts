// unarchive on real lab hosts, with real Ansible as the oracle: archives made here (tar.gz, tar.xz, zip), one also
// served from ua-2 (python3's http.server, started with systemd-run: it stops with the host); provision applies the
// playbook on ua-1, ansible-playbook on ua-2. The same statuses on two runs (tar --diff and zipinfo finding it all
// unpacked the second time), the same trees (kinds, modes, owners, sizes), and --check on the fresh host equal to
// the apply after it but where the issue allows conditional, each for its reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { sampleArchives } from '../helpers/artifacts.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('unarchive against ansible-playbook');
const PB = 'test/fixtures/playbooks/unarchive.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ua', 2, (l, s) => { lab = l; ssh = s; });

/** Tasks --check cannot know on a fresh host, and why. */
const CONDITIONAL: Record<string, string> = {
  'a local zip, owned by nobody': 'reads the host\'s unzip, which the apt install before it only simulated',
  'unpacked from the host, listed': 'reads the archive the copy before it only simulated',
  'what it listed': 'reads what that task registered',
  'skipped when there': 'reads creates under a directory an unarchive before it only simulated',
};

const archives = () => sampleArchives('provision-ua-');

const trees = (s: SshConnection) => sh(s, 'cd /root/ua && find . -printf "%p %y %m %u:%g %s\\n" | sort && find . -type f | sort | xargs cat | sha256sum');
const byTask = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['ua-1'].tasks.map((t) => [t.task, t.status] as const);

test('check, apply, apply again: as ansible-playbook, the same trees', async () => {
  const adir = archives();
  const served = await ssh[1].exec('mkdir -p /srv/ua-www && cat > /srv/ua-www/app.tar.gz', { stdin: readFileSync(join(adir, 'app.tar.gz')) });
  assert.is(served.code, 0, served.stderr);
  await sh(ssh[1], [
    'systemd-run --unit=ua-www python3 -m http.server 8000 --bind 0.0.0.0 --directory /srv/ua-www',
    'for i in $(seq 50); do python3 -c "import urllib.request as u; u.urlopen(\'http://127.0.0.1:8000/app.tar.gz\')" 2>/dev/null && exit 0; sleep 0.2; done; exit 1',
  ].join(' && '));
  const vars = ['-e', `adir=${adir}`, '-e', `base=http://${lab.hosts[1].address}:8000`];

  const check = await applyJson([PB, '--limit', 'ua-1', '--check', ...vars], lab.inventory);
  const first = await applyJson([PB, '--limit', 'ua-1', ...vars], lab.inventory);
  assert.is(first.code, 0, first.raw);
  const applied = new Map(byTask(first));
  for (const [task, status] of byTask(check)) {
    if (task in CONDITIONAL) assert.is(status, 'conditional', `${task}: ${CONDITIONAL[task]}`);
    else assert.is(status, applied.get(task), `--check on a fresh host says what the apply did: ${task}`);
  }
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ua-2', vars);
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['ua-1'].tasks), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map(trees));
  assert.is(mine, their);
  assert.match(mine, './zip/app/README f 600 nobody:nogroup 8');
  assert.match(mine, './xz/app/bin/run.sh f 750 root:root');
  assert.match(mine, './inc/conf/a.conf f 644 root:root 8');

  const second = await applyJson([PB, '--limit', 'ua-1', ...vars], lab.inventory);
  const again = await ansiblePlaybook(PB, lab.inventory, 'ua-2', vars);
  assert.equal(asOracle(second.report.hosts['ua-1'].tasks), again.tasks);
  assert.is(second.report.hosts['ua-1'].changed, 0, 'tar --diff and zipinfo find everything unpacked');
  const recheck = await applyJson([PB, '--limit', 'ua-1', '--check', ...vars], lab.inventory);
  assert.equal(byTask(recheck), byTask(second), '--check on the converged host: the second run');
});

test.run();
