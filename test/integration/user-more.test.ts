// user's password, update_password, password_lock, expires, comment, move_home and generate_ssh_key on real lab
// hosts, with real Ansible as the oracle: provision applies test/fixtures/playbooks/user-more.yml on um-1,
// ansible-playbook on um-2. The same statuses (first and second run), the same /etc/shadow and /etc/passwd lines
// (hash, lock, expiry), key files of the same kinds, modes and owners, registered values that name the key left, a
// passphrase that opens the key; --check on the fresh host as the apply after it; no hash in any output.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('user (password, expires, ssh keys) against ansible-playbook');
const PB = 'test/fixtures/playbooks/user-more.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'um', 2, (l, s) => { lab = l; ssh = s; });

/** The hashes of the playbook (their salts): none may appear in provision's output. */
const SECRETS = ['umlabone', 'umlabtwo', 'correct horse'];
const KEYS = ['/home/umdeploy/.ssh/id_ed25519', '/home/umdeploy/.ssh/id_work', '/srv/umother/.ssh/id_rsa'];
/** Tasks check mode cannot predict on a fresh host: a key in a home useradd made in the same run (what /etc/skel put
 * there is not known), and what tasks register from it. */
const UNPREDICTABLE = ['a key pair', 'what the key pair registered', 'the key pair again', 'what the key pair registered again', 'a key with a passphrase in another file'];
/** What the playbook does and a later task of it undoes: changed on every run, by Ansible too. */
const TOGGLED = ['a user with a password, a comment and an expiry', 'another hash, always', 'locked', 'the expiry moved', 'unlocked, no expiry'];

const accounts = (s: SshConnection) =>
  sh(s, `grep "^um" /etc/shadow; grep "^um" /etc/passwd; stat -c '%n %a %U:%G' /home/umdeploy/.ssh /srv/umother /srv/umother/.ssh; test -e /home/umother || echo moved`);
/** Each key file: its mode and owner, the kind and comment of its key (the key itself differs per host). */
const keyFiles = (s: SshConnection) => sh(s, KEYS.map((k) =>
  `stat -c '%n %a %U:%G' ${k} ${k}.pub; ssh-keygen -l -f ${k} | cut -d' ' -f1,3-; ssh-keygen -l -f ${k}.pub | cut -d' ' -f1,3-`).join('; '));
const noSecret = (raw: string, what: string) => { for (const s of SECRETS) assert.not.ok(raw.includes(s), `${what}: "${s}" is never shown`); };

test('check, apply, apply again: as ansible-playbook, the same shadow lines and key files', async () => {
  const check = await applyJson([PB, '--limit', 'um-1', '--check'], lab.inventory);
  noSecret(check.raw, '--check');
  const first = await applyJson([PB, '--limit', 'um-1'], lab.inventory);
  assert.is(first.code, 0, first.raw);
  noSecret(first.raw, 'apply');
  const mineFirst = first.report.hosts['um-1'].tasks;
  // The password tasks show no hash, not even in their summaries: sensitive.
  assert.ok(mineFirst.find((t) => t.task === 'another hash, always')!.changes.every((c) => !c.includes('$6$')));
  const checked = check.report.hosts['um-1'].tasks;
  assert.equal(checked.filter((t) => t.status === 'conditional').map((t) => t.task), UNPREDICTABLE, '--check: conditional only where it cannot know');
  assert.equal(checked.filter((t) => !UNPREDICTABLE.includes(t.task)).map((t) => `${t.task}: ${t.status}`),
    mineFirst.filter((t) => !UNPREDICTABLE.includes(t.task)).map((t) => `${t.task}: ${t.status}`), '--check on a fresh host says what the apply did');

  const theirs = await ansiblePlaybook(PB, lab.inventory, 'um-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(mineFirst), theirs.tasks);
  const [mine, their] = await Promise.all(ssh.map(accounts));
  assert.is(mine, their.replaceAll('um-2', 'um-1'), '/etc/shadow and /etc/passwd lines: hash, lock, expiry, comment, home');
  assert.match(mine, /^umdeploy:\$6\$umlabtwo\$[^:]+:\d+:0:99999:7:::$/m);
  assert.match(mine, /^umlocked:!\$6\$umlabone\$[^:]+:\d+:0:99999:7::0:$/m);
  const [myKeys, theirKeys] = await Promise.all(ssh.map(keyFiles));
  assert.is(myKeys, theirKeys.replaceAll('um-2', 'um-1'), 'key files: modes, owners, kinds, comments');
  assert.match(myKeys, '256 umdeploy@lab (ED25519)');
  assert.match(myKeys, '2048 ansible-generated on um-1 (RSA)');
  for (const s of ssh) {
    // What register recorded names the key left: its file, fingerprint and public key (a second run: the same key).
    const k = KEYS[0];
    const want = await sh(s, `echo ${k}; ssh-keygen -l -f ${k}; cat ${k}.pub; echo /home/umdeploy`);
    assert.is(await sh(s, 'cat /root/um-registered'), want, `${s.target.name}: registered by the task that made the key`);
    assert.is(await sh(s, 'cat /root/um-registered-again'), want, `${s.target.name}: registered by the task that found it`);
    await sh(s, 'ssh-keygen -y -P "correct horse battery" -f /home/umdeploy/.ssh/id_work >/dev/null');
    assert.is((await s.exec('ssh-keygen -y -P "" -f /home/umdeploy/.ssh/id_work')).code === 0, false, 'the key needs its passphrase');
  }

  const second = await applyJson([PB, '--limit', 'um-1'], lab.inventory);
  noSecret(second.raw, 'second apply');
  const theirSecond = await ansiblePlaybook(PB, lab.inventory, 'um-2');
  assert.equal(asOracle(second.report.hosts['um-1'].tasks), theirSecond.tasks);
  assert.equal(second.report.hosts['um-1'].tasks.filter((t) => t.status === 'changed').map((t) => t.task), TOGGLED,
    'a second run changes only what the playbook itself undoes');
  assert.is(await sh(ssh[0], 'cat /root/um-registered-again'), await sh(ssh[0], `echo ${KEYS[0]}; ssh-keygen -l -f ${KEYS[0]}; cat ${KEYS[0]}.pub; echo /home/umdeploy`));
  const [mine2, their2] = await Promise.all(ssh.map(accounts));
  assert.is(mine2, their2.replaceAll('um-2', 'um-1'));
  assert.is(mine2, mine, 'the second run leaves the accounts as the first');

  // --check on the converged host: what the second run did; and the text output, with --diff, shows no hash either.
  const again = await provision(['apply', PB, '--limit', 'um-1', '--check', '--diff', '-i', lab.inventory]);
  assert.is(again.code, 0, again.stdout + again.stderr);
  noSecret(again.stdout + again.stderr, '--check --diff');
  const check2 = await applyJson([PB, '--limit', 'um-1', '--check'], lab.inventory);
  assert.equal(check2.report.hosts['um-1'].tasks.map((t) => `${t.task}: ${t.status}`), second.report.hosts['um-1'].tasks.map((t) => `${t.task}: ${t.status}`));
});

test.run();
