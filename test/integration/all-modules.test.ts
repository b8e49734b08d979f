// Issue 18's closing test: one playbook using every module it added (test/fixtures/playbooks/all-modules.yml) and
// the arguments it added (apt's autoremove, purge and deb; file's recurse, hard links and force; copy's remote_src,
// directory src and checksum; user's expires, generate_ssh_key and update_password; mode in each form; systemd's
// masked, service's daemon_reload), applied by provision on al-1 and by ansible-playbook on al-2, twice each: the
// same statuses, and the same things left on disk: every file, directory and link under the trees the playbook
// writes (owner, group, mode, bytes), the hard link's count and inode, the cron tables, the units' states (the
// masked one, the drop-in daemon_reload read), the users' and group's lines (password hashes, expiry), the
// packages (purged, removed, autoremoved, installed from a file), the checkout's commit and the virtualenv's
// packages. (A checkout's .git differs in what records when: reflogs, the index's times, Ansible's FETCH_HEAD from
// its fetch on every run. Generated SSH keys are random: their files are compared by existence, owner and mode,
// the public key's type and comment, not by their bytes.)
// Before the first run, on the fresh hosts, provision's --check --exact must say task by task what its run then
// does (or be conditional, with its reason); ansible-playbook --check is compared with it where Ansible's check
// mode can tell (the tasks where it cannot are listed below, each with why). After the runs, --check on both
// changes nothing.
// deb822_repository is in the playbook for provision's host only (Ansible 2.14 here lacks it): the file it writes
// is compared with the one Ansible's own module (2.18, test/helpers/deb822-oracle.py) writes from the same arguments.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { load } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { HOST_IDENTITY, ansiblePlaybook, asOracle, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { buildWheels, gpgKey } from '../helpers/artifacts.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { ANSIBLE_SCHEMA } from '../../engine/yaml/schema.ts';

const test = suite('every module of issue 18 against ansible-playbook');
const PB = 'test/fixtures/playbooks/all-modules.yml';
const ORACLE = new URL('../helpers/deb822-oracle.py', import.meta.url).pathname;
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'al', 2, (l, s) => { lab = l; ssh = s; });
const KEYS = ['/home/al-keyed/.ssh/id_ed25519', '/home/al-keyed/.ssh/id_ed25519.pub'];

/** Puts a local directory on a host as a tar stream (tar is in every lab host). */
async function upload(s: SshConnection, local: string, remote: string): Promise<void> {
  const tar = execFileSync('tar', ['-C', local, '-cf', '-', '.']);
  const r = await s.exec(`mkdir -p '${remote}' && tar -C '${remote}' -xf -`, { stdin: tar });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** What each host is compared by, one string per part. */
const state = async (s: SshConnection) => ({
  trees: (await treeOn(s, ['/srv/al', '/srv/al-checkout', '/etc/cron.d', '/etc/sysctl.d', '/etc/apt/sources.list.d', '/etc/apt/keyrings',
    '/etc/systemd/system', '/home/al-user', '/home/al-keyed'], [...HOST_IDENTITY, ...KEYS, SOURCES])).filter((l) => !l.includes('/.git/')).join('\n'),
  // Random bytes: whether each is there, its owner and mode; the public key's type and comment.
  keys: await sh(s, `stat -c '%n %U:%G %a' ${KEYS.join(' ')}; cut -d' ' -f1,3 ${KEYS[1]}`),
  hardLink: await sh(s, "stat -c '%n %h' /srv/al/name.conf /srv/al/name.conf.hard; [ /srv/al/name.conf -ef /srv/al/name.conf.hard ] && echo one inode"),
  cron: await sh(s, 'crontab -l -u al-user; echo; crontab -l -u root 2>&1 || true'),
  units: await sh(s, 'for u in cron al-echo al-tiny; do echo "$u $(systemctl is-active $u) $(systemctl is-enabled $u)"; done; systemctl show al-echo -p Environment -p NeedDaemonReload; tr "\\0" "\\n" < /proc/$(systemctl show al-echo -p MainPID --value)/environ | grep ^AL= || true'),
  accounts: await sh(s, 'getent passwd al-user al-keyed; getent group al-team; getent shadow al-user al-keyed | cut -d: -f1,2,8'),
  packages: await sh(s, "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' cron git unzip python3-venv gnupg nano jq libjq1 libonig5 al-tiny 2>&1; apt-mark showauto | sort; ls /etc/nanorc /etc/al-tiny.conf 2>&1 || true"),
  debconf: await sh(s, 'debconf-show tzdata | grep Areas'),
  checkout: await sh(s, 'git -C /srv/al-checkout rev-parse HEAD'),
  venv: await sh(s, '/opt/al/venv/bin/pip list --format freeze 2>/dev/null | grep -i hello'),
});

/** A Debian package of our own, al-tiny: a conffile, a unit (masked by the playbook), a file; built here with dpkg-deb. */
function tinyDeb(dir: string): string {
  const root = join(dir, 'al-tiny');
  for (const d of ['DEBIAN', 'etc', 'lib/systemd/system', 'usr/share/al-tiny']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), 'Package: al-tiny\nVersion: 1.0\nArchitecture: all\nMaintainer: al <al@provision.invalid>\nDescription: a package of the all-modules test\n');
  writeFileSync(join(root, 'DEBIAN/conffiles'), '/etc/al-tiny.conf\n');
  writeFileSync(join(root, 'etc/al-tiny.conf'), 'tiny = 1\n');
  writeFileSync(join(root, 'lib/systemd/system/al-tiny.service'), '[Unit]\nDescription=al tiny\n[Service]\nExecStart=/bin/sleep infinity\n');
  writeFileSync(join(root, 'usr/share/al-tiny/README'), 'al tiny\n');
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, join(dir, 'al-tiny.deb')], { stdio: 'pipe' });
  return join(dir, 'al-tiny.deb');
}

/** The deb822_repository task (all-modules-deb822.yml), its include, and the file it writes. */
const INCLUDE = 'a deb822 source, where the module is there';
const DEB822 = 'a deb822 source';
const SOURCES = '/etc/apt/sources.list.d/al-backports.sources';
const withoutDeb822 = <T extends { task: string }>(tasks: T[]) => tasks.filter((t) => t.task !== INCLUDE && t.task !== DEB822);
const deb822Statuses = (tasks: Array<{ task: string; status: string }>) => tasks.filter((t) => t.task === INCLUDE || t.task === DEB822).map((t) => ({ task: t.task, status: t.status }));
const oracleRoot = mkdtempSync(join(tmpdir(), 'al-deb822-'));
for (const d of ['sources.list.d', 'keyrings']) mkdirSync(join(oracleRoot, 'etc/apt', d), { recursive: true });

/** Ansible's own deb822_repository (test/helpers/deb822-oracle.py) on the task's arguments, under a root of its own: its status. */
function oracleDeb822(): string {
  const [t] = load(readFileSync('test/fixtures/playbooks/all-modules-deb822.yml', 'utf8'), { schema: ANSIBLE_SCHEMA }) as Array<{ deb822_repository: unknown }>;
  writeFileSync(join(oracleRoot, 'args.json'), JSON.stringify({ ANSIBLE_MODULE_ARGS: t.deb822_repository }));
  const r = spawnSync('/usr/bin/python3', [ORACLE, oracleRoot, join(oracleRoot, 'args.json')], { encoding: 'utf8' });
  const res = JSON.parse(r.stdout) as { changed: boolean; failed?: boolean; msg?: string };
  if (res.failed) throw new Error(`Ansible's deb822_repository failed: ${res.msg}`);
  return res.changed ? 'changed' : 'ok';
}

/** The file Ansible's module wrote: its mode, and its bytes in base64 (as the test reads the host's). */
function oracleSources(): string {
  const p = join(oracleRoot, 'etc/apt/sources.list.d', basename(SOURCES));
  return `${(statSync(p).mode & 0o7777).toString(8)}\n${readFileSync(p).toString('base64')}`;
}

/**
 * Where Ansible's check mode on the fresh host says other than its run then does, and why: each is a task whose
 * outcome depends on what a task before it only simulated. provision's check is exact on them (it is asserted
 * against its own run).
 */
const ANSIBLE_CHECK_BLIND: Record<string, string> = {
  'what it needed, removed': 'ok in check, changed in its run: jq\'s removal was only simulated, so nothing is left over to autoremove',
  'another password, only for a new user': 'changed in check, ok in its run: al-user\'s creation was only simulated, so on_create looks like a creation',
  'a key the user logs in with': 'failed (ignored) in check, changed in its run: al-user\'s creation was only simulated (no such user)',
  'a hard link': 'failed (ignored) in check, changed in its run: the template it links to was not written',
  'a line': 'failed (ignored) in check, changed in its run: app.conf was not written',
  'a block': 'failed (ignored) in check, changed in its run: app.conf was not written',
  'a replacement': 'failed (ignored) in check, changed in its run: app.conf was not written',
  'it is there': 'failed (ignored) in check, ok in its run: stat finds no app.conf',
  'a copy on the host, its mode kept': 'failed (ignored) in check, changed in its run: its source, app.conf, was not written',
  'a download with a checksum file': 'failed (ignored) in check, changed in its run: its directory, /srv/al, was not made',
  'an archive': 'failed (ignored) in check, changed in its run: its destination, /srv/al, was not made',
  'a checkout': 'failed (ignored) in check, changed in its run: git\'s install was only simulated',
  'a cron job': 'failed (ignored) in check, changed in its run: cron\'s install was only simulated (no crontab)',
  'a cron file': 'failed (ignored) in check, changed in its run: cron\'s install was only simulated',
  'cron running': 'failed (ignored) in check, ok in its run: cron\'s install was only simulated (no such service)',
  'the unit running': 'failed (ignored) in check, changed in its run: its unit file was not written',
  'its port open': 'skipped in check, ok in its run: Ansible\'s wait_for does not support check mode',
  'the unit stopped, to start with its drop-in': 'failed (ignored) in check, changed in its run: its unit file was not written',
  'unit files read again, by service': 'failed (ignored) in check, changed in its run: its unit file was not written',
  'a file there': 'skipped in check, ok in its run: Ansible\'s wait_for does not support check mode',
  'a JSON answer': 'skipped in check, ok in its run: Ansible\'s uri does not support check mode',
  'its content': 'failed (ignored) in check, ok in its run: the skipped uri registered no json',
  'a key': 'failed (ignored) in check, changed in its run: gnupg\'s install was only simulated',
  'a package in a virtualenv': 'failed (ignored) in check, changed in its run: python3-venv\'s install was only simulated',
};

/** Where Ansible's check on the converged host does not look, and why (provision's says ok: nothing to change). */
const AFTER_ANSIBLE_CHECK_BLIND: Record<string, string> = {
  'an archive': 'skipped in Ansible\'s check, ok in provision\'s: its unarchive skips a tar in check mode (TgzArchive does not support it)',
  'a package in a virtualenv': 'changed in Ansible\'s check, ok in provision\'s: its pip says changed in check mode whenever extra_args is given',
};

/** Tasks provision's exact check cannot tell, and why (the reason it gives is asserted to say so). */
const EXACT_CONDITIONAL: Record<string, RegExp> = {
  'its port open': /^cannot be predicted: it waits on port 8802, and in the view no service runs$/,
  'a hostname': /^cannot be predicted: hostnamectl asks systemd-hostnamed over D-Bus, and the view has no D-Bus$/,
  'the hostname, as later tasks see it': /^cannot be predicted: a hostname was not run in the view \(hostnamectl/,
  'a command, once': /^cannot be predicted: a hostname was not run in the view \(hostnamectl/,
};

test('as ansible-playbook: the same statuses, twice, the same host; --check before and after', async () => {
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
  const deb = readFileSync(tinyDeb(dir));
  await Promise.all(ssh.map(async (s) => {
    await upload(s, www, '/srv/al-www');
    await upload(s, repo, '/srv/al-repo');
    for (const f of readdirSync(wheels)) await sh(s, `mkdir -p /root/al-wheels && echo ${readFileSync(join(wheels, f)).toString('base64')} | base64 -d > /root/al-wheels/${f}`);
    const put = await s.exec('cat > /root/al-tiny.deb', { stdin: deb });
    assert.is(put.code, 0, put.stderr);
    await sh(s, 'systemd-run --quiet --unit=al-www python3 -m http.server 8801 --bind 127.0.0.1 --directory /srv/al-www');
    // What the playbook purges, removes and autoremoves (jq's libraries, installed as needed by it); and python3-apt,
    // which Ansible's apt installs for itself in a run but not in check mode (there it fails without it): on both
    // hosts, so that ansible-playbook --check on the fresh host can be compared. The lists stay: in check mode
    // Ansible's apt does not fetch them, and without them finds no package to install.
    await sh(s, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nano jq python3-apt >/dev/null');
  }));
  const vars = ['-e', `key=${join(dir, 'key.asc')}`];
  // deb822_repository on provision's host only (all-modules-deb822.yml).
  const mineArgs = (...a: string[]) => [PB, '--limit', 'al-1', ...vars, '-e', 'deb822=true', ...a];

  // --check on the fresh hosts: provision's exact check, and Ansible's.
  const [check, theirCheck] = await Promise.all([applyJson(mineArgs('--check', '--exact', '--view-memory', '1g'), lab.inventory), ansiblePlaybook(PB, lab.inventory, 'al-2', [...vars, '--check'])]);
  assert.is(check.code, 0, check.raw);
  assert.is(theirCheck.code, 0, theirCheck.raw);
  // A view too small for the first install: from there on every task is conditional, saying so, none failed (not
  // the assertion that reads a result registered after it either); the include, whose condition reads only -e, runs.
  const small = (await applyJson(mineArgs('--check', '--exact', '--view-memory', '1m'), lab.inventory)).report.hosts['al-1'].tasks;
  assert.is(small[0].status, 'conditional', JSON.stringify(small[0]));
  assert.match(small[0].error ?? '', 'cannot be predicted: the view filled up here');
  assert.equal(small.slice(1).filter((t) => t.task !== INCLUDE && !t.error?.startsWith('cannot be predicted: the view filled up at apt itself'))
    .map((t) => `${t.task}: ${t.status}`), []);
  assert.ok(small.some((t) => t.task === 'it is there'));

  for (const run of [1, 2]) {
    const [mine, theirs] = await Promise.all([applyJson(mineArgs(), lab.inventory), ansiblePlaybook(PB, lab.inventory, 'al-2', vars)]);
    assert.is(mine.code, 0, mine.raw);
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(withoutDeb822(asOracle(mine.report.hosts['al-1'].tasks)), withoutDeb822(theirs.tasks), `run ${run}`);
    assert.equal(deb822Statuses(mine.report.hosts['al-1'].tasks), [{ task: INCLUDE, status: 'ok' }, { task: DEB822, status: oracleDeb822() }], `run ${run}: deb822_repository as Ansible's module`);
    assert.equal(deb822Statuses(theirs.tasks), [{ task: INCLUDE, status: 'skipped' }]);
    if (run === 2) {
      assert.equal(mine.report.hosts['al-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), [], 'the second run changes nothing');
      continue;
    }
    // provision's exact check: each task what the run did, or conditional with its reason.
    const ran = mine.report.hosts['al-1'].tasks;
    const checked = check.report.hosts['al-1'].tasks;
    assert.equal(checked.map((t) => t.task), ran.map((t) => t.task));
    const conditional = checked.filter((t) => t.status === 'conditional');
    assert.equal(conditional.map((t) => t.task), Object.keys(EXACT_CONDITIONAL), JSON.stringify(conditional));
    for (const t of conditional) assert.match(t.error ?? '', EXACT_CONDITIONAL[t.task]);
    assert.equal(checked.filter((t) => t.status !== 'conditional').map((t) => `${t.task}: ${t.status}`),
      ran.filter((t) => !(t.task in EXACT_CONDITIONAL)).map((t) => `${t.task}: ${t.status}`), 'the exact check says what the run does');
    // Ansible's check: where it says what its run did, provision's check says the same; elsewhere, it is blind.
    const ansibleRun = new Map(theirs.tasks.map((t) => [t.task, t.status]));
    const blind = theirCheck.tasks.filter((t) => t.status !== ansibleRun.get(t.task) || t.ignored);
    assert.equal(Object.fromEntries(blind.map((t) => [t.task, `${t.status}${t.ignored ? ' (ignored)' : ''} in check, ${ansibleRun.get(t.task)} in its run`])),
      Object.fromEntries(Object.keys(ANSIBLE_CHECK_BLIND).map((k) => [k, ANSIBLE_CHECK_BLIND[k].split(': ')[0]])), 'where Ansible\'s check is blind');
    const mineChecked = new Map(checked.map((t) => [t.task, t.status]));
    for (const t of withoutDeb822(theirCheck.tasks).filter((x) => !(x.task in ANSIBLE_CHECK_BLIND) && !(x.task in EXACT_CONDITIONAL))) {
      assert.is(`${t.task}: ${mineChecked.get(t.task)}`, `${t.task}: ${t.status}`, 'as Ansible\'s check where it can tell');
    }
  }

  // --check on the converged hosts: nothing to change, on both, and the same statuses.
  const [after, theirAfter] = await Promise.all([applyJson(mineArgs('--check'), lab.inventory), ansiblePlaybook(PB, lab.inventory, 'al-2', [...vars, '--check'])]);
  assert.is(after.code, 0, after.raw);
  assert.is(theirAfter.code, 0, theirAfter.raw);
  assert.equal(after.report.hosts['al-1'].tasks.filter((t) => t.status === 'changed' || t.status === 'conditional').map((t) => `${t.task}: ${t.status}`), [], '--check changes nothing');
  // The same statuses as Ansible's check, but where it cannot look (AFTER_ANSIBLE_CHECK_BLIND): no change there either.
  const said = (t: { status: string; ignored?: boolean }) => `${t.status}${t.ignored ? ' (ignored)' : ''}`;
  const mineAfter = new Map(after.report.hosts['al-1'].tasks.map((t) => [t.task, said(t)]));
  const differ = withoutDeb822(theirAfter.tasks).filter((t) => said(t) !== mineAfter.get(t.task));
  assert.equal(Object.fromEntries(differ.map((t) => [t.task, `${said(t)} in Ansible's check, ${mineAfter.get(t.task)} in provision's`])),
    Object.fromEntries(Object.entries(AFTER_ANSIBLE_CHECK_BLIND).map(([k, v]) => [k, v.split(': ')[0]])), 'the same --check as Ansible\'s where it can tell');

  const [a, b] = await Promise.all(ssh.map(state));
  for (const part of Object.keys(a) as Array<keyof typeof a>) assert.is(a[part], b[part], part);
  // The .sources file as Ansible's module wrote it from the same arguments; none on Ansible's host.
  assert.is(await sh(ssh[0], `stat -c %a ${SOURCES}; base64 -w0 ${SOURCES}`), `${oracleSources()}`);
  assert.is(await sh(ssh[1], `ls ${SOURCES} 2>&1 || true`), `ls: cannot access '${SOURCES}': No such file or directory\n`);
  assert.match(a.units, 'al-echo active enabled');
  assert.match(a.units, 'al-tiny inactive masked');
  assert.match(a.units, 'Environment=AL=1');
  // Started after its drop-in was written, by service with daemon_reload: the process has the drop-in's variable
  // (without the reload systemd starts it as the unit was loaded, and a later reload does not change a process).
  assert.match(a.units, /^AL=1$/m);
  assert.match(a.trees, '/srv/al/app/README');
  assert.match(a.trees, '/srv/al/tree/sub/b.txt al-user:al-team 640');
  assert.match(a.trees, '/srv/al/mode-int root:root 644');
  assert.match(a.hardLink, '/srv/al/name.conf.hard 2\none inode');
  assert.match(a.keys, '/home/al-keyed/.ssh/id_ed25519 al-keyed:al-team 600');
  assert.match(a.accounts, /^al-user:\$6\$al\$[^:]+:21915$/m);
  assert.match(a.packages, /^ii +al-tiny 1\.0$/m);
  assert.match(a.packages, /^un +nano $/m);
  assert.match(a.packages, "cannot access '/etc/nanorc'");
  assert.not.match(a.packages, /^(ii|rc) +(nano|jq|libjq1|libonig5) /m);
  assert.match(a.cron, '#Ansible: al job');
  assert.match(a.venv, 'pp-hello==1.0');
});

test.after(() => rmSync(oracleRoot, { recursive: true, force: true }));
test.run();
