// provision apply options and task keywords on 2 real lab hosts: tags, limit, -e @file, secrets,
// no_log, register/when, ignore_errors, handlers after a failure, unreachable hosts, become, validate,
// --detailed-exitcode, forks, and the re-plan check.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HostRun } from '../../engine/host-run.ts';
import { defineModule, type ModuleDef } from '../../engine/module.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { modules, registry } from '../../modules/index.ts';
import { applyJson as applyReport, type ReportTask } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apply options');
const PB = 'test/fixtures/playbooks';
const X = ['-e', `@${PB}/extra-vars.yml`];
let lab: TestLab;
let ssh: SshConnection[] = [];

const applyJson = (args: string[], inventory = lab.inventory) => applyReport(args, inventory);
const names = (t: ReportTask[]) => t.map((x) => x.task);

useLab(test, 'opt', 2, (l, s) => { lab = l; ssh = s; });

test('--tags and --skip-tags select tasks; --limit selects hosts', async () => {
  const r = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'a,b', '--skip-tags', 'b', '--limit', 'opt-2']);
  assert.is(r.code, 0, r.raw);
  assert.equal(Object.keys(r.report.hosts), ['opt-2']);
  assert.equal(names(r.report.hosts['opt-2'].tasks.filter((t) => t.status !== 'skipped')), ['tagged a']);
  assert.is((await ssh[1].exec('test -e /root/tag-a')).code, 0);
  assert.is((await ssh[1].exec('test -e /root/tag-b')).code, 1);
  assert.is((await ssh[0].exec('test -e /root/tag-a')).code, 1);
});

test('-e @file supplies variables', async () => {
  const r = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'extra']);
  assert.is(r.code, 0, r.raw);
  assert.is(await sh(ssh[0], 'cat /root/from-file'), 'value from a vars file\n');
});

test('sensitive variables and no_log tasks are redacted in every output, also in diffs', async () => {
  const json = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'secret', '--diff']);
  const text = await provision(['apply', `${PB}/options.yml`, ...X, '-i', lab.inventory, '--tags', 'secret', '--diff', '--check', '-e', 'db_password=another-secret-value']);
  const vars = await provision(['vars', 'opt-1', ...X, '-i', lab.inventory, '-e', 'db_password=another-secret-value']);
  assert.is(vars.code, 0, vars.stderr);
  assert.match(vars.stdout, /db_password +"\*{8}"/);
  for (const out of [json.raw, text.stdout + text.stderr, vars.stdout + vars.stderr]) {
    assert.not.ok(/hunter2-very-secret|another-secret-value|token-opt/.test(out), out);
  }
  const t = json.report.hosts['opt-1'].tasks.find((x) => x.task === 'secret config')!;
  assert.is(t.diff, '--- /root/secret.conf\n(it holds a sensitive value: not shown)\n');
  assert.match(text.stdout, /--- \/root\/secret\.conf\n\s*\(it holds a sensitive value: not shown\)/);
  const hidden = json.report.hosts['opt-1'].tasks.find((x) => x.task === 'hidden')!;
  assert.equal(hidden.changes, ['(hidden: no_log or sensitive)']);
  assert.match(hidden.diff!, /hidden: no_log/);
  assert.is(await sh(ssh[0], 'cat /root/secret.conf'), 'password=hunter2-very-secret\n');
});

test('register and when: a registered result drives later tasks', async () => {
  const r = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'register']);
  assert.is(r.code, 0, r.raw);
  const tasks = r.report.hosts['opt-2'].tasks;
  assert.is(tasks.find((t) => t.task === 'uses register')!.status, 'changed');
  assert.is(tasks.find((t) => t.task === 'skipped by when')!.status, 'skipped');
  assert.is(await sh(ssh[1], 'cat /root/probe-copy'), 'seen opt-2');
});

test('ignore_errors: the failure is reported, counted as ignored and not failed (exit 0, as Ansible), and the host goes on', async () => {
  const r = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'ignore']);
  assert.is(r.code, 0, r.raw);
  const tasks = r.report.hosts['opt-1'].tasks;
  assert.is(tasks.find((t) => t.task === 'ignored failure')!.status, 'failed');
  assert.is(tasks.find((t) => t.task === 'ignored failure')!.ignored, true);
  assert.equal([r.report.hosts['opt-1'].failed, r.report.hosts['opt-1'].ignored], [0, 1]);
  assert.is(tasks.find((t) => t.task === 'after ignored')!.status, 'changed');
});

test('handlers already notified still run on a host where a later task failed', async () => {
  const r = await applyJson([`${PB}/handlers-after-failure.yml`, '-e', `stamp=${Date.now()}`]);
  assert.is(r.code, 1);
  for (const h of Object.values(r.report.hosts)) {
    assert.equal(h.tasks.map((t) => [t.task, t.status]), [['change and notify', 'changed'], ['then fail', 'failed'], ['mark', 'changed']]);
  }
  for (const c of ssh) assert.is((await c.exec('test -e /root/handler-ran')).code, 0);
  for (const c of ssh) assert.is((await c.exec('test -e /root/never-reached')).code, 1);
});

test('an unreachable host is reported as such; the others converge; exit 1', async () => {
  const inv = mkdtempSync(join(tmpdir(), 'inv-'));
  const lines = lab.hosts.map((h) => `${h.name} ansible_host=${h.address}`).join('\n');
  writeFileSync(join(inv, 'hosts.ini'), `[lab]\n${lines}\nghost ansible_host=127.0.0.1 ansible_port=1\n\n[lab:vars]\n` +
    `ansible_user=root\nansible_ssh_private_key_file=${lab.key}\nknown_hosts=${lab.knownHosts}\n`);
  const r = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'a', '--forks', '1'], inv);
  assert.is(r.code, 1);
  assert.ok(r.report.hosts.ghost.unreachable);
  assert.match(r.report.hosts.ghost.error!, /ghost: cannot connect to root@\[127\.0\.0\.1\]:1/);
  assert.is(r.report.hosts['opt-1'].failed, 0);
  assert.ok(r.report.hosts['opt-1'].tasks.some((t) => t.task === 'tagged a'));
});

test('--detailed-exitcode: 2 when changes were made, 0 when none; a no-op run is one remote exec per host', async () => {
  const stamp = ['-e', `stamp=${Date.now()}`];
  const first = await provision(['apply', `${PB}/options.yml`, ...X, '-i', lab.inventory, '--tags', 'a,b,extra', '--detailed-exitcode', ...stamp]);
  assert.is(first.code, 2, first.stderr);
  const again = await applyJson([`${PB}/options.yml`, ...X, '--tags', 'a,b,extra', '--detailed-exitcode']);
  assert.is(again.code, 0, again.raw);
  for (const h of Object.values(again.report.hosts)) assert.is(h.remote_execs, 1);
});

test('become: tasks run as root through sudo, become: no as the connecting user (Ansible\'s spellings); a failed validate leaves the old file', async () => {
  const key = readFileSync(`${lab.key}.pub`, 'utf8').trim();
  const setup = await applyJson([`${PB}/become.yml`, '-e', JSON.stringify({ ops_key: key })]);
  assert.is(setup.code, 0, setup.raw);
  const inv = mkdtempSync(join(tmpdir(), 'inv-'));
  writeFileSync(join(inv, 'hosts.ini'), `[lab]\n${lab.hosts[0].name} ansible_host=${lab.hosts[0].address} ansible_user=ops ` +
    `ansible_ssh_private_key_file=${lab.key} known_hosts=${lab.knownHosts}\n`);
  const r = await applyJson([`${PB}/as-ops.yml`], inv);
  assert.is(r.code, 0, r.raw);
  assert.is((await sh(ssh[0], 'stat -c "%U %a" /tmp/as-ops /tmp/as-root /tmp/as-ops-dir')).trim(), 'ops 644\nroot 640\nops 750');
  assert.equal(r.report.hosts['opt-1'].tasks.map((t) => t.status), ['changed', 'changed', 'failed', 'changed'], 'the failure ignored');
  const bad = await applyJson([`${PB}/bad-sudoers.yml`]);
  assert.is(bad.code, 1);
  assert.match(bad.report.hosts['opt-1'].tasks[0].error!, /validation failed: visudo -cf %s/);
  assert.is(await sh(ssh[0], 'cat /etc/sudoers.d/ops'), 'ops ALL=(ALL) NOPASSWD: ALL\n');
  assert.is((await sh(ssh[0], 'ls /etc/sudoers.d/ | grep -c provision || true')).trim(), '0');
});

test('a module whose plan is not empty after its own changes ran fails the task as an engine error', async () => {
  const liar: ModuleDef = defineModule<{ path: string }>({
    name: 'copy', description: 'claims a change every time', schema: modules.get('copy')!.schema,
    facts: () => [], plan: (a) => [{ summary: `pretend to write ${a.path}`, steps: [{ exec: ['true'] }], effects: [] }],
  });
  const { plays, problems } = parsePlaybook(`${PB}/options.yml`, new Map([...modules, ['copy', liar]]));
  assert.is(problems.length, 0);
  const play = { ...plays[0], tasks: plays[0].tasks.filter((t) => t.name === 'tagged a') };
  const results: string[] = [];
  const run = new HostRun('opt-1', ssh[0], { ...registry, modules: new Map([...modules, ['copy', liar]]) },
    { check: false, tags: [], skipTags: [], connUser: 'root', becomeUser: 'root' }, (_h, r) => results.push(`${r.status}: ${r.error}`));
  await run.runPlay(play, () => ({ db_password: 'x', inventory_hostname: 'opt-1' }));
  assert.equal(results, ['failed: engine error: module copy still plans changes after its own changes ran (pretend to write undefined): a bug in the module']);
});

test.run();
