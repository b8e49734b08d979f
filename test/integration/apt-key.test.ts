// apt_key on real lab hosts, with real Ansible as the oracle: provision applies the playbook on ky-1,
// ansible-playbook on ky-2, with two keys made here by gpg in a throwaway GNUPGHOME (its agent stopped after) and a
// flat apt repository signed by the first, the second also served over HTTP by this test on the lab's network
// (stopped after); the same statuses, the same keyrings (bytes, owner, mode), apt-get update trusting the
// repository through signed-by the keyring apt_key made, --check (after the prereq tasks) equal to the apply after
// it, a second run changing nothing, and the URL downloaded only when its key was needed, as Ansible does.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apt_key against ansible-playbook');
const PB = 'test/fixtures/playbooks/apt_key.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ky', 2, (l, s) => { lab = l; ssh = s; });

const dir = mkdtempSync(join(tmpdir(), 'provision-ky-'));
const home = join(dir, 'gnupg');
const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
let vars: string[] = [];
let server: Server | undefined;
const downloads: string[] = [];

test.before(async () => {
  execFileSync('mkdir', ['-m', '700', home]);
  const ids = ['Provision Key One <one@provision.invalid>', 'Provision Key Two <two@provision.invalid>'].map((uid, i) => {
    gpg('--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never');
    writeFileSync(join(dir, `key${i + 1}.asc`), gpg('--armor', '--export', uid));
    return /^pub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):/m.exec(gpg('--with-colons', '--list-keys', uid))![1];
  });
  // A flat repository: no packages, a Release listing the empty Packages, clearsigned by key 1 as InRelease.
  const repo = join(dir, 'repo');
  execFileSync('mkdir', [repo]);
  writeFileSync(join(repo, 'Packages'), '');
  const date = new Date(Date.now() - 3600_000).toUTCString().replace('GMT', 'UTC');
  const empty = createHash('sha256').update('').digest('hex');
  writeFileSync(join(repo, 'Release'), `Origin: provision\nLabel: provision\nDate: ${date}\nSHA256:\n ${empty} 0 Packages\n`);
  gpg('--local-user', ids[0], '--clearsign', '--output', join(repo, 'InRelease'), join(repo, 'Release'));
  // key2 over HTTP, on this machine's address in the lab network (.1 of the subnet whose bridge serves the lab's
  // mirror, as test/integration/lab.test.ts listens), on a free port.
  const bridge = /node_mirror: http:\/\/([\d.]+):/.exec(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8'))![1];
  const address = bridge.replace(/\.\d+$/, '.1');
  const key2 = readFileSync(join(dir, 'key2.asc'));
  server = createServer((req, res) => {
    downloads.push(req.socket.remoteAddress ?? '');
    res.end(key2);
  });
  await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(0, address, resolve));
  const keyUrl = `http://${address}:${(server.address() as { port: number }).port}/key2.asc`;
  vars = ['-e', `key_url=${keyUrl}`, '-e', `key1=${join(dir, 'key1.asc')}`, '-e', `key2=${join(dir, 'key2.asc')}`, '-e', `key1_id=${ids[0]}`, '-e', `key2_id=${ids[1]}`, '-e', `key1_short=${ids[0].slice(-8)}`, '-e', `repo=${repo}`];
});
test.after(async () => {
  execFileSync('gpgconf', ['--homedir', home, '--kill', 'all']);
  await new Promise((resolve) => server?.close(resolve));
});

const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['ky-1'].tasks.map((t) => `${t.task}: ${t.status}`);
const keyrings = (s: SshConnection) => treeOn(s, ['/etc/apt/keyrings', '/etc/apt/trusted.gpg.d', '/etc/apt/trusted.gpg', '/etc/apt/trusted.gpg~', '/etc/apt/sources.list.d']);

test('check, apply, apply again: as ansible-playbook, the same keyrings, the repository trusted', async () => {
  const prereq = await applyJson([PB, ...vars, '--limit', 'ky-1', '--tags', 'prereq'], lab.inventory);
  assert.is(prereq.code, 0, prereq.raw);
  const theirPrereq = await ansiblePlaybook(PB, lab.inventory, 'ky-2', [...vars, '--tags', 'prereq']);
  assert.is(theirPrereq.code, 0, theirPrereq.raw);
  const check = await applyJson([PB, ...vars, '--limit', 'ky-1', '--check'], lab.inventory);
  const first = await applyJson([PB, ...vars, '--limit', 'ky-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(check), statuses(first), '--check says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'ky-2', vars);
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(first.report.hosts['ky-1'].tasks), theirs.tasks);
  assert.equal(statuses(first).slice(-10), [
    'a keyring for signed-by, from data: changed', 'again: ok', 'by short id from a file, into trusted.gpg.d: changed',
    'no keyring, already listed from trusted.gpg.d: ok', 'the legacy keyring: changed', 'removed by its id: changed', 'removed again: ok',
    'the repository, signed-by the keyring: changed', 'from a URL the host downloads: changed', 'from the URL again, by id (not downloaded): ok']);
  const [mine, their] = await Promise.all(ssh.map(keyrings));
  assert.equal(mine, their);
  assert.match(mine.join('\n'), /\/etc\/apt\/keyrings\/ky-test\.gpg root:root 644 /);
  // apt-get update read the repository: its signature checked with the keyring apt_key made.
  assert.match(await sh(ssh[0], 'ls /var/lib/apt/lists'), /_srv_ky-repo_._InRelease/);

  // The hosts downloaded it themselves, for the task without id only: Ansible once; provision in --check, in the
  // apply, and again when it plans the task anew to confirm the key is there.
  const from = (h: number) => downloads.filter((d) => d === lab.hosts[h].address).length;
  assert.equal([from(0), from(1)], [3, 1], `downloads from ${downloads.join(', ')}`);

  const second = await applyJson([PB, ...vars, '--limit', 'ky-1'], lab.inventory);
  assert.equal(asOracle(second.report.hosts['ky-1'].tasks), (await ansiblePlaybook(PB, lab.inventory, 'ky-2', vars)).tasks);
  assert.equal(second.report.hosts['ky-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), ['the legacy keyring', 'removed by its id'],
    'only the key removed at the end is added and removed again');
});

test.run();
