// The apt module on a lab host with architecture-qualified names: jq:NATIVE is the native jq (installed
// once, then a no-op by either name), removed by one name it is gone by both, also in --check; a foreign
// architecture the host does not have is refused by name.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('apt');
let lab: TestLab;
let ssh: SshConnection[] = [];
let arch = '';
const dir = mkdtempSync(join(tmpdir(), 'provision-apt-'));
const play = (name: string, tasks: string) => {
  const p = join(dir, name);
  writeFileSync(p, `- hosts: all\n  tasks:\n${tasks}`);
  return p;
};
const task = (name: string, args: string) => `    - name: ${name}\n      apt: ${args}\n`;
const statuses = (r: Awaited<ReturnType<typeof applyJson>>) => Object.values(r.report.hosts)[0].tasks.map((t) => `${t.task}: ${t.status}`);
const installed = async () => (await sh(ssh[0], "dpkg-query -W -f '${db:Status-Abbrev}' jq 2>/dev/null || true")).startsWith('ii');

useLab(test, 'ap', 1, (l, s) => { lab = l; ssh = s; });
test.before(async () => { arch = (await sh(ssh[0], 'dpkg --print-architecture')).trim(); });

test('jq:NATIVE installs the native jq; again by either name it is a no-op', async () => {
  const install = play('install.yml', task('qualified', `{ name: "jq:${arch}", update_cache: true, cache_valid_time: 3600 }`));
  const first = await applyJson([install], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(statuses(first), ['qualified: changed']);
  assert.ok(await installed());
  const both = play('both.yml', task('qualified', `{ name: "jq:${arch}" }`) + task('bare', '{ name: jq }'));
  const again = await applyJson([both], lab.inventory);
  assert.is(again.code, 0, again.raw);
  assert.equal(statuses(again), ['qualified: ok', 'bare: ok']);
});

test('removed by jq:NATIVE it is gone by its bare name too: in --check (simulated) and for real', async () => {
  const remove = play('remove.yml', task('qualified', `{ name: "jq:${arch}", state: absent }`) + task('bare', '{ name: jq, state: absent }'));
  const check = await applyJson([remove, '--check'], lab.inventory);
  assert.is(check.code, 0, check.raw);
  assert.equal(statuses(check), ['qualified: changed', 'bare: ok'], 'check mode: the second task sees the first one\'s removal');
  assert.ok(await installed(), '--check changed nothing');
  const real = await applyJson([remove], lab.inventory);
  assert.equal(statuses(real), ['qualified: changed', 'bare: ok']);
  assert.not.ok(await installed());
});

test('a foreign architecture the host is not set up for: refused by name, nothing installed', async () => {
  const foreign = arch === 'i386' ? 'amd64' : 'i386';
  const r = await applyJson([play('foreign.yml', task('foreign', `{ name: "jq:${foreign}" }`))], lab.inventory);
  assert.is(r.code, 1, r.raw);
  const t = Object.values(r.report.hosts)[0].tasks[0];
  assert.is(t.status, 'failed');
  assert.match(t.error ?? '', new RegExp(`no package "jq:${foreign}" in apt's lists`));
  assert.not.ok(await installed());
});

test.run();
