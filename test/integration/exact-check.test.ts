// apply --check --exact on a fresh lab host: every task applied in a throwaway view of the host (engine/view/), so
// that what the tasks after a package install would do is known: no task conditional, and the statuses and change
// lists are those of the apply that follows; each task says the files it would create, modify or delete and the
// service actions it would ask for; the host is left as it was. A command whose effects no one can say is not
// run in the view: it and the tasks after it stay conditional, with the reason. Ctrl-C, or the controller killed,
// in the middle of it: the view and everything in it are gone, and the host is as it was.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { provision } from '../helpers/cli.ts';
import { provisionBackground } from '../helpers/background.ts';
import { type TestLab, foreignProcesses, sh, useLab } from '../helpers/lab.ts';
import { changedSince, hostState } from '../helpers/host-state.ts';

const test = suite('exact check');
const PB = 'test/fixtures/playbooks/exact.yml';
let lab: TestLab;
let ssh: SshConnection;
useLab(test, 'xc', 1, (l, s) => { lab = l; ssh = s[0]; });

const state = () => hostState(ssh);
const rows = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['xc-1'].tasks.map((t) => ({ task: t.task, status: t.status, changes: t.changes }));

test('on a fresh host: no task conditional, the apply after it does the same, the host untouched', async () => {
  const before = await state();
  const plain = await applyJson([PB, '--check'], lab.inventory);
  assert.ok(plain.report.hosts['xc-1'].conditional > 0, 'plain --check cannot know what follows the install');
  const exact = await applyJson([PB, '--check', '--exact', '--diff'], lab.inventory);
  assert.is(exact.code, 0, exact.raw);
  const h = exact.report.hosts['xc-1'];
  assert.is(h.conditional, 0, exact.raw);
  assert.ok((h.view?.upper_bytes ?? 0) > 1e6 && (h.view?.seconds ?? 0) > 0, JSON.stringify(h.view));
  assert.equal(changedSince(before, await state()), [], 'the host as it was');
  const files = (task: string) => h.tasks.find((t) => t.task === task)!.view!.files;
  assert.ok(files('nginx').some((f) => f.path === '/etc/nginx/nginx.conf' && f.change === 'create'));
  assert.ok(h.tasks[0].view!.intents.some((i) => /start nginx\.service/.test(i)), JSON.stringify(h.tasks[0].view));
  assert.equal(files('the page'), [{ path: '/srv/www/index.html', change: 'create' }]);
  assert.equal(files('worker count'), [{ path: '/etc/nginx/nginx.conf', change: 'modify' }]);
  // --diff: the text the task changed, against the file as the task before it left it in the view.
  const diff = h.tasks.find((t) => t.task === 'worker count')!.view!.diffs!;
  assert.equal(diff.map((d) => d.path), ['/etc/nginx/nginx.conf']);
  assert.match(diff[0].diff, /^-worker_processes auto;$/m);
  assert.match(diff[0].diff, /^\+worker_processes 2;$/m);
  assert.not.match(diff[0].diff, /^[-+]user /m, 'the user line changed in the task before, not in this one');
  assert.equal(files('the old default site gone'), [{ path: '/etc/nginx/sites-enabled/default', change: 'delete' }]);
  // The package started nginx (its postinst asked to): the service task finds it running, as the apply will.
  assert.is(h.tasks.find((t) => t.task.startsWith('nginx running'))!.status, 'ok');
  assert.equal(h.tasks.find((t) => t.task === 'reload nginx')!.view!.intents, ['systemctl reload nginx']);
  const run = await applyJson([PB], lab.inventory);
  assert.is(run.code, 0, run.raw);
  assert.equal(rows(exact), rows(run), 'the exact check said what the apply did');
  assert.is((await sh(ssh, 'cat /srv/www/index.html')), 'hello\n');
});

test('a command whose effects are unknown is not run in the view; the tasks after it are conditional, with the reason', async () => {
  const pb = join(tmpdir(), 'exact-unknown.yml');
  writeFileSync(pb, `- hosts: all\n  tasks:\n    - name: before\n      copy: { dest: /srv/before, content: "x\\n" }\n` +
    `    - name: anything\n      shell: echo hi > /srv/anything\n    - name: after\n      copy: { dest: /srv/after, content: "y\\n" }\n`);
  const r = await applyJson([pb, '--check', '--exact'], lab.inventory);
  const t = r.report.hosts['xc-1'].tasks;
  assert.equal(t.map((x) => x.status), ['changed', 'conditional', 'conditional'], r.raw);
  assert.match(t[1].error!, /not run in the view: what it changes is unknown, and it may act outside the host/);
  assert.match(t[2].error!, /anything was not run in the view/);
  assert.is((await ssh.exec('test -e /srv/anything -o -e /srv/before')).code, 1, 'nothing on the host');
});

test('a host with too little memory for the view: one line says why, and the check is --check alone', async () => {
  const pb = join(tmpdir(), 'exact-memory.yml');
  writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: haproxy\n      apt: { name: haproxy }\n' +
    '    - name: haproxy running\n      service: { name: haproxy, state: started }\n');
  const asked = ['--check', '--exact', '--view-memory', '100000g'];
  const text = await provision(['apply', pb, '-i', lab.inventory, ...asked]);
  assert.is(text.code, 0, text.stdout + text.stderr);
  const said = text.stdout.split('\n').filter((l) => /^exact check/.test(l));
  assert.equal(said.length, 1, text.stdout);
  assert.match(text.stdout, /^xc-1 +ok=0 changed=1 failed=0 skipped=0 conditional=1 unreachable=0 +\(no view: --check alone\)$/m);
  assert.match(said[0], /^exact check xc-1: no view of the host: too little memory for its upper layer: \d+ MiB available, 102400000 MiB asked \(--view-memory\); planned only, as --check alone$/);
  const [fell, plain] = await Promise.all([applyJson([pb, ...asked], lab.inventory), applyJson([pb, '--check'], lab.inventory)]);
  assert.match(fell.report.hosts['xc-1'].view?.fallback ?? '', /too little memory/);
  assert.is(fell.report.hosts['xc-1'].conditional, 1, fell.raw);
  assert.equal(rows(fell), rows(plain));
  assert.is((await ssh.exec('test -e /usr/sbin/haproxy')).code, 1);
});

test('a view that fills up: the task that filled it and those after it are conditional, the host untouched', async () => {
  const pb = join(tmpdir(), 'exact-full.yml');
  writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: small\n      copy: { dest: /srv/small, content: "x\\n" }\n' +
    '    - name: big\n      command: { argv: [dd, if=/dev/zero, of=/srv/big, bs=1M, count=3], creates: /srv/big }\n' +
    '    - name: after\n      copy: { dest: /srv/after, content: "y\\n" }\n');
  const r = await applyJson([pb, '--check', '--exact', '--view-memory', '1m'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const t = r.report.hosts['xc-1'].tasks;
  assert.equal(t.map((x) => x.status), ['changed', 'conditional', 'conditional'], r.raw);
  assert.is(t[1].error, 'cannot be predicted: the view filled up here (it holds 1 MiB at most: --view-memory raises it)');
  assert.match(t[2].error!, /^cannot be predicted: the view filled up at big \(/);
  assert.is((await ssh.exec('test -e /srv/small -o -e /srv/big -o -e /srv/after')).code, 1, 'nothing on the host');
  const roomy = await applyJson([pb, '--check', '--exact'], lab.inventory);
  assert.equal(roomy.report.hosts['xc-1'].tasks.map((x) => x.status), ['changed', 'changed', 'changed'], roomy.raw);
});

const foreign = () => foreignProcesses(ssh);
async function until(what: string, ok: () => Promise<boolean>, seconds = 20): Promise<void> {
  for (let i = 0; i < seconds * 10; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('Ctrl-C, or the controller killed, during an exact check: the view and all in it are gone, the host untouched', async () => {
  const pb = join(tmpdir(), 'exact-slow.yml');
  writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: slow\n      command: { argv: [sh, -c, "sleep 30; touch /srv/slow"], creates: /srv/slow }\n');
  // At the view's first process (it is being built: interrupted before any task), then with the sleep running in it.
  for (const [signal, at] of [['SIGINT', 1], ['SIGINT', 2], ['SIGKILL', 2]] as const) {
    const before = await state();
    const run = provisionBackground(['apply', pb, '-i', lab.inventory, '--check', '--exact']);
    await until(at === 1 ? 'the view' : 'the view and its sleep', async () => (await foreign()) >= at);
    process.kill(run.pid, signal);
    const r = await run.done;
    if (signal === 'SIGINT') assert.is(r.code, 130, r.stdout + r.stderr);
    await until(`the view gone after ${signal}`, async () => (await foreign()) === 0);
    assert.equal(changedSince(before, await state()), [], `${signal}: the host as it was`);
    assert.is((await ssh.exec('test -e /srv/slow')).code, 1);
  }
});

test.run();
