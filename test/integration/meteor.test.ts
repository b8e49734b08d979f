// The meteor module against Meteor's own installer: on mt-1 provision installs Meteor 0.6.5.2 for a user; on mt-2
// Meteor's install script of that release (install-engine.sh, the script install.meteor.com served, kept in lab/meteor/)
// runs as the same user against the same lab mirror. The two warehouses must
// be the same tree (every path, type, mode, owner, link and file content), and the launcher the same file: the
// layout is the installer's, not one the module and the lab's stand-in agree on. A release beside it must be
// the union of two installs, sharing the pieces they share; the real launcher must run the latest release.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { meteorReleases } from '../../lab/meteor-release.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('meteor');
const PB = 'test/fixtures/playbooks/meteor.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'mt', 2, (l, s) => { lab = l; ssh = s; });

const mirror = () => /meteor_base_url: (\S+)/.exec(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8'))![1];
const changes = (r: Awaited<ReturnType<typeof applyJson>>, host: string) => r.report.hosts[host].tasks.flatMap((t) => t.changes);
/** Every path of ~USER/.meteor: type, mode, owner, link target, and a file's sha256. */
const tree = (s: SshConnection, user: string) => sh(s, `cd ~${user} && find .meteor -printf '%p %y %m %u:%g %l\\n' | sort | while read -r p y rest; do ` +
  `if [ "$y" = f ]; then echo "$p $y $rest $(sha256sum < "$p" | cut -c1-16)"; else echo "$p $y $rest"; fi; done`);
const launcher = (s: SshConnection) => sh(s, 'stat -c "%a %U:%G %s" /usr/local/bin/meteor; sha256sum < /usr/local/bin/meteor');
const asUser = (user: string, cmd: string) => `runuser -u ${user} -- env HOME=/home/${user} sh -c '${cmd}'`;

/** Meteor's installer of `release`, pointed at the lab's mirror (its only edit: warehouse.meteor.com -> the mirror). */
async function installer(s: SshConnection, user: string, release: string): Promise<void> {
  const script = readFileSync(new URL('../../lab/meteor/install-engine.sh', import.meta.url), 'utf8')
    .replaceAll('__RELEASE__', release).replace('https://warehouse.meteor.com', mirror());
  await sh(s, `id ${user} >/dev/null 2>&1 || useradd -m -s /bin/bash ${user}`);
  const r = await s.exec(`runuser -u ${user} -- env HOME=/home/${user} USER=${user} sh -s`, { stdin: script });
  assert.match(r.stderr, new RegExp(`Meteor ${release.replaceAll('.', '\\.')} has been installed in your home directory`), r.stderr);
}

test('the warehouse and launcher provision installs are the ones Meteor\'s installer leaves', async () => {
  // The user first, so that --check can say what the meteor task does (for a user it would make, it is conditional).
  await sh(ssh[0], 'useradd -m -s /bin/bash deploy');
  const check = await applyJson([PB, '--limit', 'mt-1', '--check'], lab.inventory);
  const r = await applyJson([PB, '--limit', 'mt-1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.equal(changes(r, 'mt-1'), [
    `install Meteor 0.6.5.2 for deploy from ${mirror()}/bootstrap/0.6.5.2/meteor-bootstrap-Linux_x86_64.tar.gz`,
    'install the meteor launcher in /usr/local/bin/meteor']);
  assert.equal(changes(check, 'mt-1'), changes(r, 'mt-1'), '--check lists what the apply does');
  await installer(ssh[1], 'deploy', '0.6.5.2');
  // The installer copies the launcher itself where it may (as root); as a user it asks for sudo, which the lab has not:
  // its own command, run as root.
  await sh(ssh[1], 'test -x /usr/local/bin/meteor || cp /home/deploy/.meteor/tools/latest/launch-meteor /usr/local/bin/meteor');
  const [mine, theirs] = await Promise.all(ssh.map((s) => tree(s, 'deploy')));
  assert.ok(mine.split('\n').length > 100, mine);
  assert.is(mine, theirs, 'the same ~/.meteor');
  assert.is(await launcher(ssh[0]), await launcher(ssh[1]), 'the same launcher');
  assert.is(readFileSync(new URL('../../lab/meteor/launch-meteor', import.meta.url), 'utf8'), await sh(ssh[0], 'cat /usr/local/bin/meteor'), 'the launcher is Meteor\'s own');
  // What Meteor's own code reads: launch-meteor runs ~/.meteor/meteor; warehouse.js takes releases/latest and
  // tools/latest, and a release is whole when its manifest's tools and packages are all there.
  const rel = meteorReleases()['0.6.5.2'];
  assert.is((await sh(ssh[0], asUser('deploy', 'meteor --version'))).trim(), 'Release 0.6.5.2');
  assert.is((await sh(ssh[0], 'readlink /home/deploy/.meteor/releases/latest /home/deploy/.meteor/tools/latest')).trim(), `0.6.5.2.release.json\n${rel.tools}`);
  const manifest = JSON.parse(await sh(ssh[0], 'cat /home/deploy/.meteor/releases/0.6.5.2.release.json')) as { tools: string; packages: Record<string, string> };
  assert.is(manifest.tools, rel.tools);
  const missing = await sh(ssh[0], `cd /home/deploy/.meteor && for p in ${Object.entries(manifest.packages).map(([n, v]) => `${n}/${v}`).join(' ')}; do [ -d packages/$p ] || echo $p; done; echo`);
  assert.is(missing.trim(), '', 'every package of the manifest');
  const again = await applyJson([PB, '--limit', 'mt-1'], lab.inventory);
  assert.is(again.report.hosts['mt-1'].changed, 0, again.raw);
});

test('a release beside it: the union of two installs, shared pieces kept once, the named one the latest', async () => {
  const check = await applyJson([PB, '--limit', 'mt-1', '--check', '-e', 'meteor_release=0.6.5.1'], lab.inventory);
  const r = await applyJson([PB, '--limit', 'mt-1', '-e', 'meteor_release=0.6.5.1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.equal(changes(r, 'mt-1'), [
    `add Meteor 0.6.5.1 for deploy beside 0.6.5.2, from ${mirror()}/bootstrap/0.6.5.1/meteor-bootstrap-Linux_x86_64.tar.gz`,
    'make Meteor 0.6.5.1 the latest for deploy (was 0.6.5.2)']);
  assert.equal(changes(check, 'mt-1'), changes(r, 'mt-1'));
  // The installer's 0.6.5.1 for another user on mt-2; its tree and the 0.6.5.2 one, together, are what mt-1 has now.
  // With a launcher on PATH the installer runs `meteor update` instead: it is put aside meanwhile.
  await sh(ssh[1], 'mv /usr/local/bin/meteor /usr/local/bin/meteor.aside');
  await installer(ssh[1], 'deploy2', '0.6.5.1');
  await sh(ssh[1], 'mv -f /usr/local/bin/meteor.aside /usr/local/bin/meteor');
  const lines = (t: string) => t.trim().split('\n').map((l) => l.replace(/ deploy2:deploy2\b/, ' deploy:deploy'));
  const links = (l: string) => / l /.test(l) && /\.meteor\/(meteor|releases\/latest|tools\/latest) /.test(l);
  const older = lines(await tree(ssh[1], 'deploy2'));
  const newer = lines(await tree(ssh[1], 'deploy')).filter((l) => !links(l));
  const union = [...new Set([...older, ...newer])].sort();
  assert.equal(lines(await tree(ssh[0], 'deploy')).sort(), union);
  assert.is((await sh(ssh[0], asUser('deploy', 'meteor --version'))).trim(), 'Release 0.6.5.1');
  // The tool of the latest release springboards to the other release's tools, as Meteor's own does.
  assert.is((await sh(ssh[0], asUser('deploy', 'meteor --release 0.6.5.2 --version'))).trim(), 'Release 0.6.5.2');
  const back = await applyJson([PB, '--limit', 'mt-1'], lab.inventory);
  assert.equal(changes(back, 'mt-1'), ['make Meteor 0.6.5.2 the latest for deploy (was 0.6.5.1)']);
  assert.is((await sh(ssh[0], asUser('deploy', 'meteor --version'))).trim(), 'Release 0.6.5.2');
});

test('a download that fails leaves no warehouse and no temporary tree; a warehouse the launcher cannot run is refused', async () => {
  const r = await applyJson([PB, '--limit', 'mt-1', '-e', 'meteor_user=deploy3', '-e', `meteor_url=${mirror()}/nowhere`], lab.inventory);
  assert.is(r.code, 1, r.raw);
  assert.match(r.report.hosts['mt-1'].tasks[1].error!, /cannot download http:\/\/[\d.:]+\/nowhere\/bootstrap\/0\.6\.5\.2\/meteor-bootstrap-Linux_x86_64\.tar\.gz/);
  assert.is((await sh(ssh[0], 'ls -A /home/deploy3')).split('\n').filter((f) => f.includes('meteor')).join(' '), '');
  await sh(ssh[0], 'mkdir /home/deploy3/.meteor');
  const refused = await applyJson([PB, '--limit', 'mt-1', '-e', 'meteor_user=deploy3'], lab.inventory);
  assert.match(refused.report.hosts['mt-1'].tasks[1].error!, /\/home\/deploy3\/\.meteor exists, but \/home\/deploy3\/\.meteor\/meteor is not executable/);
  assert.is((await sh(ssh[0], 'ls -A /home/deploy3/.meteor | wc -l')).trim(), '0', 'nothing removed or added');
});

test.run();
