// provision apply on 2 real lab hosts: every core module, exact check mode, idempotence, diffs,
// handlers, a failing host, and validation before any connection.
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson as applyReport, type Report } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apply');
const PB = 'test/fixtures/playbooks';
let lab: TestLab;
let ssh: SshConnection[] = [];

const applyJson = (args: string[]) => applyReport(args, lab.inventory);
const shape = (rep: Report) => Object.fromEntries(Object.entries(rep.hosts).map(([h, v]) => [h, v.tasks.map((t) => [t.task, t.status, t.changes])]));

useLab(test, 'eng', 2, (l, s) => { lab = l; ssh = s; });

test('an undefined variable fails validation with file:line:col, and apply connects to nothing', async () => {
  const v = await provision(['validate', `${PB}/undefined-var.yml`, '-i', lab.inventory]);
  assert.is(v.code, 4);
  assert.is(v.stderr.trim(), `provision: ${PB}/undefined-var.yml:5:18: undefined variable "not_defined_anywhere"`);
  let connections = 0;
  const server = createServer((s) => { connections++; s.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const inv = mkdtempSync(join(tmpdir(), 'inv-'));
  writeFileSync(join(inv, 'hosts.ini'), `[web]\nw1 ansible_host=127.0.0.1 ansible_port=${(server.address() as { port: number }).port} ansible_ssh_private_key_file=${lab.key}\n`);
  const a = await provision(['apply', `${PB}/undefined-var.yml`, '-i', inv]);
  server.close();
  assert.is(a.code, 4);
  assert.match(a.stderr, /undefined-var\.yml:5:18: undefined variable "not_defined_anywhere"/);
  assert.is(connections, 0);
});

test('on fresh hosts, --check lists exactly the changes apply then makes', async () => {
  const check = await applyJson([`${PB}/core.yml`, '--check']);
  assert.is(check.code, 0, check.raw);
  assert.ok(check.report.check);
  for (const h of Object.values(check.report.hosts)) assert.ok(h.changed >= 9, `check found only ${h.changed} changes`);
  const run = await applyJson([`${PB}/core.yml`]);
  assert.is(run.code, 0, JSON.stringify(run.report));
  assert.equal(shape(run.report), shape(check.report));
  assert.is((await sh(ssh[0], 'stat -c "%U:%G %a" /srv/app /srv/app/app.conf')).trim(), 'deploy:deploy 750\ndeploy:deploy 640');
  assert.match(await sh(ssh[1], 'cat /srv/app/app.conf'), /^# eng-2: managed by provision\ngreeting = hello\nlisten = 3000\nlisten = 3001\n$/);
  assert.is((await sh(ssh[0], 'cat /srv/app/ports')), 'port 3000\nport 3001\n');
  assert.match(await sh(ssh[0], 'dpkg-query -W tree'), /^tree\t/);
});

test('a handler notified by two tasks ran once; a second apply changes nothing and runs no handler', async () => {
  for (const c of ssh) assert.is((await sh(c, 'wc -l < /srv/app/restarts')).trim(), '1');
  const again = await applyJson([`${PB}/core.yml`]);
  assert.is(again.code, 0);
  for (const [name, h] of Object.entries(again.report.hosts)) {
    assert.is(h.changed, 0, `${name}: ${JSON.stringify(h.tasks.filter((t) => t.status !== 'ok'))}`);
    assert.not.ok(h.tasks.some((t) => t.task === 'app restarted'));
  }
  for (const c of ssh) assert.is((await sh(c, 'wc -l < /srv/app/restarts')).trim(), '1');
});

test('--diff shows the exact diff of a changed template, in check and in apply mode', async () => {
  const expected = ['-greeting = hello', '+greeting = bye'];
  const check = await provision(['apply', `${PB}/core.yml`, '-i', lab.inventory, '--check', '--diff', '-e', 'greeting=bye']);
  assert.is(check.code, 0, check.stderr);
  for (const l of expected) assert.ok(check.stdout.includes(l), check.stdout);
  assert.match(await sh(ssh[0], 'cat /srv/app/app.conf'), /greeting = hello/);
  const run = await applyJson([`${PB}/core.yml`, '--diff', '-e', 'greeting=bye']);
  const task = run.report.hosts['eng-1'].tasks.find((t) => t.task === 'app config')!;
  assert.is(task.status, 'changed');
  assert.is(task.diff, "--- /srv/app/app.conf\n+++ /srv/app/app.conf\n@@ -1,4 +1,4 @@\n # eng-1: managed by provision\n-greeting = hello\n+greeting = bye\n listen = 3000\n listen = 3001\n");
  assert.match(await sh(ssh[0], 'cat /srv/app/app.conf'), /greeting = bye/);
  for (const c of ssh) assert.is((await sh(c, 'wc -l < /srv/app/restarts')).trim(), '2');
});

test('a task failing on one host stops that host only; exit code 1', async () => {
  const r = await applyJson([`${PB}/fail-one.yml`]);
  assert.is(r.code, 1);
  const [first, second] = lab.hosts.map((h) => r.report.hosts[h.name]);
  assert.is(first.failed, 1);
  assert.match(first.tasks.find((t) => t.status === 'failed')!.error!, /`false` exited 1/);
  assert.not.ok(first.tasks.some((t) => t.task === 'after'));
  assert.is(second.failed, 0);
  assert.is(second.tasks.find((t) => t.task === 'fail on the first host')!.status, 'skipped');
  assert.is(second.tasks.find((t) => t.task === 'after')!.status, 'changed');
  assert.is((await ssh[0].exec('test -e /root/marker-after')).code, 1);
  assert.is((await ssh[1].exec('test -e /root/marker-after')).code, 0);
});

test('check mode reports tasks after an unknowable command as conditional, and changes nothing', async () => {
  const r = await applyJson([`${PB}/conditional.yml`, '--check']);
  assert.is(r.code, 0);
  for (const h of Object.values(r.report.hosts)) assert.equal(h.tasks.map((t) => [t.task, t.status]), [['unknowable', 'changed'], ['reads a file', 'conditional']]);
  for (const h of Object.values(r.report.hosts)) assert.match(h.tasks[1].error!, /^cannot be predicted: it reads file:\/root\/after-unknowable, content:\/root\/after-unknowable, file:\/root, which an earlier change only simulated in check mode may change$/, 'a conditional says why');
  assert.is((await ssh[0].exec('test -e /root/unknowable')).code, 1);
});

test.run();
