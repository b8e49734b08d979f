// Roles, imports, includes, pre_tasks/post_tasks, vars_files and meta: flush_handlers on real lab hosts, with
// real Ansible as the oracle: test/fixtures/reuse/site.yml applied by provision to one host and by
// ansible-playbook to another gives the same tasks in the same order with the same statuses, first and second
// run, and the same files (contents, owner, mode).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, filesOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('reuse: roles, imports, includes');
const PB = 'test/fixtures/reuse/site.yml';
const FILES = ['after', 'banner', 'base-handler', 'extra', 'item-one', 'item-two', 'motd-blue', 'motd-green', 'post', 'pre-handler',
  'web', 'web-other'].map((f) => `/root/reuse/${f}`);
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'ru', 2, (l, s) => { lab = l; ssh = s; });

const ours = async (args: string[] = []) => {
  const r = await applyJson([PB, '--limit', 'ru-1', ...args], lab.inventory);
  assert.is(r.code, 0, r.raw);
  return asOracle(r.report.hosts['ru-1'].tasks);
};

test('check mode before the first apply: every task in Ansible\'s order, nothing written', async () => {
  const t = await ours(['--check']);
  assert.equal(t.map((x) => `${x.task}: ${x.status}`), [
    'the directory: changed', 'pre handler: changed', 'base : motd from the role\'s template: changed',
    'base : banner from the role\'s files: changed', 'web : web config: changed', 'base : motd from the role\'s template: changed',
    'base : banner from the role\'s files: ok', 'imported task: changed', 'per item: ok', 'an included task: changed', 'an included task: changed',
    'an include its when skips: skipped', 'base : motd from the role\'s template: ok', 'base : banner from the role\'s files: ok',
    'include_role : web: ok', 'web : other tasks of web: changed', 'base : base changed: changed', 'after the flush: changed', 'post: changed',
  ]);
  assert.equal(Object.values(await filesOn(ssh[0], FILES)), FILES.map(() => 'absent'));
});

test('apply: the tasks, statuses and files of ansible-playbook on another host, first and second run', async () => {
  for (const run of ['first', 'second']) {
    const mine = await ours();
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'ru-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(mine, theirs.tasks, `${run} run`);
    if (run === 'second') assert.not.ok(mine.some((x) => x.status === 'changed'), 'a second apply changes nothing');
  }
  const [a, b] = await Promise.all(ssh.map((s) => filesOn(s, FILES)));
  assert.equal(a, b);
  assert.is(a['/root/reuse/banner'].split(' ')[1], '640');
  const text = await ssh[0].exec('cd /root/reuse && cat motd-blue motd-green web web-other extra item-one post');
  assert.is(text.stdout, 'welcome from vars_files (blue, base)\nwelcome from vars_files (green, base)\nport 8080 from web vars from vars_files\n'
    + 'other from web vars\nimported\none\ncommon\n');
});

test('include_vars (by a fact, first_found, under a name): the statuses and the values ansible-playbook gets', async () => {
  const VARS = 'test/fixtures/reuse/vars-files.yml';
  const r = await applyJson([VARS, '--limit', 'ru-1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const theirs = await ansiblePlaybook(VARS, lab.inventory, 'ru-2');
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.report.hosts['ru-1'].tasks), theirs.tasks);
  const [a, b] = await Promise.all(ssh.map(async (s) => (await s.exec('cat /root/reuse-vars')).stdout));
  assert.is(a, 'debian-family bookworm fallback common\n');
  assert.is(b, a);
});

test('import_playbook (nested, with vars and tags): the plays, statuses and files of ansible-playbook', async () => {
  const PBI = 'test/fixtures/reuse/playbooks/main.yml';
  const FILES_I = ['/root/imports-main', '/root/imports-colour', '/root/imports-nested', '/root/imports-last'];
  for (const args of [[], ['--tags', 'web']]) {
    await Promise.all(ssh.map((s) => s.exec(`rm -f ${FILES_I.join(' ')}`)));
    const r = await applyJson([PBI, '--limit', 'ru-1', ...args], lab.inventory);
    assert.is(r.code, 0, r.raw);
    const theirs = await ansiblePlaybook(PBI, lab.inventory, 'ru-2', args);
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['ru-1'].tasks), theirs.tasks, args.join(' '));
    const [a, b] = await Promise.all(ssh.map((s) => filesOn(s, FILES_I)));
    assert.equal(a, b, args.join(' '));
  }
  assert.is((await ssh[0].exec('cat /root/imports-colour /root/imports-nested')).stdout, 'blue dark\nblue\n');
});

test('ansible.cfg (found through ANSIBLE_CONFIG): its inventory and roles_path, no -i; validate lists what it does not apply', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-project-'));
  mkdirSync(join(dir, 'shared/greet/tasks'), { recursive: true });
  writeFileSync(join(dir, 'shared/greet/tasks/main.yml'), '- name: greet\n  copy: { dest: /root/cfg-greet, content: "from a role on roles_path\\n" }\n');
  writeFileSync(join(dir, 'site.yml'), '- hosts: ru-1\n  gather_facts: false\n  roles: [greet]\n');
  writeFileSync(join(dir, 'ansible.cfg'), `[defaults]\ninventory = ${lab.inventory}\nroles_path = shared\nretry_files_enabled = False\n`);
  const env = { ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_ROLES_PATH: '' };
  const v = await provision(['validate', join(dir, 'site.yml')], { env });
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stderr, `warning: ${join(dir, 'ansible.cfg')}: not applied by provision: defaults.retry_files_enabled`);
  const r = await provision(['apply', join(dir, 'site.yml')], { env });
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is((await ssh[0].exec('cat /root/cfg-greet')).stdout, 'from a role on roles_path\n');
});

test('an include with a when: what provision cannot run in its file is refused only if it runs, before any of its tasks', async () => {
  const r = await applyJson(['test/fixtures/reuse/deferred/site.yml', '--limit', 'ru-1'], lab.inventory);
  assert.is(r.code, 1, r.raw);
  const tasks = r.report.hosts['ru-1'].tasks;
  assert.equal(tasks.map((t) => `${t.task}: ${t.status}`), ['before: ok', 'include_tasks: skipped', 'between: ok', 'include_tasks: failed']);
  assert.match(tasks[3].error!, 'test/fixtures/reuse/deferred/debian.yml:4:3: unknown module or task keyword "win_get_url"');
  assert.is((await ssh[0].exec('test -e /root/deferred-ran; echo $?')).stdout, '1\n', 'no task of the refused file ran');
});

test.run();
