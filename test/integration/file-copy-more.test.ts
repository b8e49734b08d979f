// file and copy beyond the basics (recurse, hard links, force, follow, times; remote_src, directories, checksum,
// local_follow) on real lab hosts, with real Ansible as the oracle: each host seeded alike, provision applies the
// playbook on fc-1, ansible-playbook on fc-2; the same statuses on two runs (touch and times set to now changed
// every run, as Ansible), the same tree left (owner, group, mode, content, link targets, hard links, times set),
// and --check, on the fresh host and the converged one, saying what the apply then did.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('file and copy (more) against ansible-playbook');
const PB = 'test/fixtures/playbooks/file-copy-more.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'fc', 2, (l, s) => { lab = l; ssh = s; });

const SEED = [
  'mkdir -p /srv/fc/seed/sub /srv/fc/seed2/d /srv/fc/dated && cd /srv/fc',
  "printf 'source\\n' > src.txt && chmod 0640 src.txt && printf 't\\n' > target.txt && printf 'o\\n' > other.txt",
  'ln -s /srv/fc/target.txt alias.txt && ln -s /srv/fc/target.txt alias2.txt && ln -s /srv/fc/target.txt alias3.txt',
  "printf 'x\\n' > seed/a && printf 'y\\n' > seed/sub/b && chmod 0755 seed/sub/b && ln -s a seed/lnk",
  "printf 'z\\n' > seed2/d/c && ln -s /srv/fc/src.txt seed2/lnk",
  "mkdir -p rsrc/sub rexisting && printf 'r\\n' > rsrc/r && printf 's\\n' > rsrc/sub/s && chmod 0600 rsrc/sub/s && printf 'e\\n' > rexisting/e",
].join(' && ');

/** What the playbook leaves: the tree with owner, group and mode; times and inodes that must agree. */
const leftOn = async (s: SshConnection) => ({
  tree: await treeOn(s, ['/srv/fc']),
  files: await filesOn(s, ['/srv/fc/remote.txt', '/srv/fc/remote2.txt', '/srv/fc/target.txt', '/srv/fc/seed/lnk']),
  // Modification times only: reading a file or a directory (this listing too) moves its access time.
  times: await sh(s, "stat -c '%n %Y' /srv/fc/src.txt /srv/fc/dated"),
  links: await sh(s, "stat -c '%n %h' /srv/fc/src.txt /srv/fc/hard.txt; [ /srv/fc/src.txt -ef /srv/fc/hard.txt ] && echo same inode"),
  linkOwner: await sh(s, "stat -c '%n %U' /srv/fc/alias3.txt /srv/fc/seed/lnk /srv/fc/seed2/lnk; stat -L -c '%n %a' /srv/fc/alias3.txt"),
});

const tasks = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['fc-1'].tasks;

test('--check, two runs: the statuses of ansible-playbook, the same tree left', async () => {
  await Promise.all(ssh.map((s) => sh(s, SEED)));
  const check = await applyJson([PB, '--limit', 'fc-1', '--check'], lab.inventory);
  const first = await applyJson([PB, '--limit', 'fc-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(tasks(check).map((t) => `${t.task}: ${t.status}`), tasks(first).map((t) => `${t.task}: ${t.status}`), '--check on a fresh host says what the apply did');
  const theirs = await ansiblePlaybook(PB, lab.inventory, 'fc-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(tasks(first)), theirs.tasks, 'run 1');
  const [mine, their] = await Promise.all(ssh.map(leftOn));
  assert.equal(mine, their);
  assert.match(mine.links, 'same inode');
  // The lab's hosts keep UTC: the times given are read in it, as time.mktime reads them.
  assert.match(mine.times, `/srv/fc/src.txt ${Date.UTC(2020, 0, 1, 12) / 1000}\n/srv/fc/dated ${Date.UTC(2021, 1, 3, 4, 5) / 1000}`);
  assert.ok(mine.tree.includes('/srv/fc/links/latest -> a.txt root:root'), mine.tree.join('\n'));
  assert.ok(mine.tree.some((l) => l.startsWith('/srv/fc/contents/ daemon:root 750')), mine.tree.join('\n'));
  const second = await applyJson([PB, '--limit', 'fc-1'], lab.inventory);
  const theirSecond = await ansiblePlaybook(PB, lab.inventory, 'fc-2');
  assert.equal(asOracle(tasks(second)), theirSecond.tasks, 'run 2');
  const again2 = tasks(second).filter((t) => t.status === 'changed').map((t) => t.task);
  // touch and a time set to now: every run, as Ansible. The links made over other.txt take turns (a symlink, then a
  // hard link over it without force, as Ansible replaces a symlink), and the listing between runs moved dated's atime.
  assert.equal(again2, ['a hard link over a file, no force', 'a symlink over a file, forced', 'times of a directory set', 'touch', 'modification time now']);
  const [mine2, their2] = await Promise.all(ssh.map(leftOn));
  assert.equal(mine2, their2);
  const again = await applyJson([PB, '--limit', 'fc-1', '--check'], lab.inventory);
  assert.equal(tasks(again).map((t) => t.status), tasks(second).map((t) => t.status), '--check on the converged host');
});

test.run();
