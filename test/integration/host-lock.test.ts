// The host lock on a real host: a second apply refuses (naming the run that holds it) or waits with
// --lock-wait; a killed run leaves no lock; a lingering holder is taken over with --break-lock.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { provisionBackground } from '../helpers/background.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('host lock');
let lab: TestLab;
let ssh: SshConnection[] = [];
const dir = mkdtempSync(join(tmpdir(), 'provision-lock-'));
const slow = (s: number) => {
  const p = join(dir, `slow-${s}.yml`);
  writeFileSync(p, `- hosts: all\n  tasks:\n    - name: slow\n      command: { argv: [sleep, "${s}"] }\n`);
  return p;
};
const quick = join(dir, 'quick.yml');
// No facts: its first exec is its task's, which the lock stops (the fact batch case is withFacts below).
writeFileSync(quick, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: marker\n      command: { shell: "date +%s%N >> /root/lock-markers" }\n');
/** A task that reads facts first: the refused run's first exec is a fact batch, outside any task. */
const withFacts = join(dir, 'with-facts.yml');
writeFileSync(withFacts, '- hosts: all\n  tasks:\n    - name: copy marker\n      copy: { content: "x\\n", dest: /root/lock-copy }\n');

useLab(test, 'lk', 1, (l, s) => { lab = l; ssh = s; });

const background = (playbook: string) => provisionBackground(['apply', playbook, '-i', lab.inventory]);
/** Resolves once a run holds the lock on the host: its lock file names a token. */
async function locked(): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const text = await sh(ssh[0], 'cat /run/lock/provision.lock 2>/dev/null || true');
    if (/^token=/m.test(text) && /^pid=(\d+)$/m.test(text)) {
      const pid = /^pid=(\d+)$/m.exec(text)![1];
      if ((await ssh[0].exec(`kill -0 ${pid}`)).code === 0) return text;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no run took the lock');
}
const markers = async () => (await sh(ssh[0], 'cat /root/lock-markers 2>/dev/null || true')).trim().split('\n').filter(Boolean).length;

test('a second apply on a host being applied refuses at once, naming the run that holds the lock; nothing of it runs', async () => {
  const a = background(slow(6));
  const info = await locked();
  assert.match(info, `pid ${a.pid}`);
  const b = await provision(['apply', quick, '-i', lab.inventory]);
  assert.is(b.code, 1);
  assert.match(b.stdout, new RegExp(`failed +lk-1: another apply is running on this host \\(\\S+@\\S+ pid ${a.pid}, since \\S+Z, holder pid \\d+ on the host\\): .*--lock-wait.*--break-lock`));
  assert.match(b.stdout, /^lk-1 +ok=0 changed=0 failed=1 skipped=0 unreachable=0 +\(another apply is running/m, `the recap counts the refused host as failed: ${b.stdout}`);
  const c = await provision(['apply', withFacts, '-i', lab.inventory, '--json']);
  const report = JSON.parse(c.stdout) as { hosts: Record<string, { failed: number; error?: string; tasks: unknown[] }> };
  assert.equal(report.hosts['lk-1'].tasks, [], 'refused at its fact batch, before any task');
  assert.is(report.hosts['lk-1'].failed, 1, '--json counts the refused host as failed');
  assert.match(report.hosts['lk-1'].error!, /another apply is running/);
  assert.is((await ssh[0].exec('test -e /root/lock-copy')).code, 1);
  assert.is(await markers(), 0, 'the refused run ran a command');
  assert.not.match(b.stdout, /until grep|sh -c/, 'the task the lock stopped says why, not the transport\'s script');
  assert.match(b.stdout, /failed +lk-1: marker .*\n(.*\n)*? +! not run: another apply is running on this host/);
  const ra = await a.done;
  assert.is(ra.code, 0, ra.stdout + ra.stderr);
});

test('--lock-wait waits for the run that holds the lock, then applies', async () => {
  const a = background(slow(3));
  await locked();
  const t0 = Date.now();
  const b = await provision(['apply', quick, '-i', lab.inventory, '--lock-wait', '60']);
  assert.is(b.code, 0, b.stdout + b.stderr);
  const ra = await a.done;
  assert.is(ra.code, 0);
  assert.ok(Date.now() - t0 >= 1500, `waited only ${Date.now() - t0} ms`);
  assert.is(await markers(), 1);
});

test('a run killed mid-apply leaves no lock behind: the next apply gets it', async () => {
  const a = background(slow(30));
  await locked();
  process.kill(a.pid, 'SIGKILL');
  await a.done;
  const b = await provision(['apply', quick, '-i', lab.inventory, '--lock-wait', '20']);
  assert.is(b.code, 0, b.stdout + b.stderr);
  assert.is(await markers(), 2);
});

test('a lingering holder refuses runs until --break-lock kills it and takes the lock', async () => {
  await sh(ssh[0], 'setsid sh -c \'exec 9>>/run/lock/provision.lock; flock 9; ' +
    'printf "token=ghost\\npid=$$\\nby=ghost@elsewhere pid 1\\nsince=2026-01-01T00:00:00Z\\n" > /run/lock/provision.lock; exec sleep 600\' </dev/null >/dev/null 2>&1 &');
  const info = await locked();
  const ghost = /^pid=(\d+)$/m.exec(info)![1];
  const b = await provision(['apply', quick, '-i', lab.inventory]);
  assert.is(b.code, 1);
  assert.match(b.stdout, 'another apply is running on this host (ghost@elsewhere pid 1, since 2026-01-01T00:00:00Z');
  const c = await provision(['apply', quick, '-i', lab.inventory, '--break-lock']);
  assert.is(c.code, 0, c.stdout + c.stderr);
  assert.is.not((await ssh[0].exec(`kill -0 ${ghost}`)).code, 0, 'the holder still runs');
  assert.is(await markers(), 3);
});

test('--check takes no lock: a dry run works while another run holds it', async () => {
  const a = background(slow(3));
  await locked();
  const c = await provision(['apply', quick, '-i', lab.inventory, '--check']);
  assert.is(c.code, 0, c.stdout + c.stderr);
  assert.is((await a.done).code, 0);
});

test.run();
