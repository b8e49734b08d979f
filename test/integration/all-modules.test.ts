// Issue 18's closing test: one playbook using every module it added (test/fixtures/playbooks/all-modules.yml),
// applied by provision on al-1 and by ansible-playbook on al-2, twice each; the same statuses, and the same things
// left on disk: every file, directory and link under the trees the playbook writes (owner, group, mode, bytes),
// the cron tables, the sysctl file, the units' states, the user's and group's lines (the password hash too), the
// installed packages' versions, the checkout's commit and the virtualenv's packages. (A checkout's .git differs in
// what records when: reflogs, the index's times, Ansible's FETCH_HEAD from its fetch on every run.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { buildWheels, gpgKey } from '../helpers/artifacts.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('every module of issue 18 against ansible-playbook');
const PB = 'test/fixtures/playbooks/all-modules.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'al', 2, (l, s) => { lab = l; ssh = s; });

/** Puts a local directory on a host as a tar stream (tar is in every lab host). */
async function upload(s: SshConnection, local: string, remote: string): Promise<void> {
  const tar = execFileSync('tar', ['-C', local, '-cf', '-', '.']);
  const r = await s.exec(`mkdir -p '${remote}' && tar -C '${remote}' -xf -`, { stdin: tar });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** What each host is compared by, one string per part. */
const state = async (s: SshConnection) => ({
  trees: (await treeOn(s, ['/srv/al', '/srv/al-checkout', '/etc/cron.d', '/etc/sysctl.d', '/etc/apt/sources.list.d', '/etc/apt/keyrings',
    '/etc/systemd/system', '/home/al-user'])).filter((l) => !l.includes('/.git/')).join('\n'),
  cron: await sh(s, 'crontab -l -u al-user; echo; crontab -l -u root 2>&1 || true'),
  units: await sh(s, 'for u in cron al-echo; do echo "$u $(systemctl is-active $u) $(systemctl is-enabled $u)"; done'),
  accounts: await sh(s, 'getent passwd al-user; getent group al-team; getent shadow al-user | cut -d: -f1-2'),
  packages: await sh(s, "dpkg-query -W -f '${Package} ${Version}\\n' cron git unzip python3-venv gnupg"),
  debconf: await sh(s, 'debconf-show tzdata | grep Areas'),
  checkout: await sh(s, 'git -C /srv/al-checkout rev-parse HEAD'),
  venv: await sh(s, '/opt/al/venv/bin/pip list --format freeze 2>/dev/null | grep -i hello'),
});

test('as ansible-playbook: the same statuses, twice, and the same host', async () => {
  // The fixtures, built here and put on both hosts alike.
  const dir = mkdtempSync(join(tmpdir(), 'provision-al-'));
  const www = join(dir, 'www');
  execFileSync('mkdir', ['-p', join(www, 'src/app')]);
  writeFileSync(join(www, 'data.txt'), 'al data\n');
  writeFileSync(join(www, 'info.json'), '{"name": "al", "n": 1}\n');
  writeFileSync(join(www, 'src/app/README'), 'al app\n');
  execFileSync('tar', ['-C', join(www, 'src'), '-czf', join(www, 'app.tar.gz'), 'app']);
  execFileSync('rm', ['-r', join(www, 'src')]);
  writeFileSync(join(www, 'SHA256SUMS'), execFileSync('sha256sum', ['data.txt'], { cwd: www }));
  const repo = join(dir, 'repo');
  execFileSync('mkdir', [repo]);
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=al', '-c', 'user.email=al@test', ...a]);
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'index.txt'), 'al checkout\n');
  git('add', '.');
  git('commit', '-q', '-m', 'al');
  const key = gpgKey('Provision al <al@provision.invalid>');
  writeFileSync(join(dir, 'key.asc'), key.armored);
  const wheels = buildWheels(['1.0']);
  for (const s of ssh) {
    await upload(s, www, '/srv/al-www');
    await upload(s, repo, '/srv/al-repo');
    for (const f of readdirSync(wheels)) await sh(s, `mkdir -p /root/al-wheels && echo ${readFileSync(join(wheels, f)).toString('base64')} | base64 -d > /root/al-wheels/${f}`);
    await sh(s, 'systemd-run --quiet --unit=al-www python3 -m http.server 8801 --bind 127.0.0.1 --directory /srv/al-www');
  }
  const vars = ['-e', `key=${join(dir, 'key.asc')}`];
  for (const run of [1, 2]) {
    const mine = await applyJson([PB, '--limit', 'al-1', ...vars], lab.inventory);
    assert.is(mine.code, 0, mine.raw);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'al-2', vars);
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(mine.report.hosts['al-1'].tasks), theirs.tasks, `run ${run}`);
    if (run === 2) assert.equal(mine.report.hosts['al-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), [], 'the second run changes nothing');
  }
  const [a, b] = await Promise.all(ssh.map(state));
  for (const part of Object.keys(a) as Array<keyof typeof a>) assert.is(a[part], b[part], part);
  assert.match(a.units, 'al-echo active enabled');
  assert.match(a.trees, '/srv/al/app/README');
  assert.match(a.cron, '#Ansible: al job');
  assert.match(a.venv, 'pp-hello==1.0');
});

test.run();
