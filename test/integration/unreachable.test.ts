// ignore_unreachable and unreachable hosts as Ansible runs them, with real Ansible as the oracle: a host that refuses
// connections (ur-down: a lab host's address on a closed port) beside a live one. provision runs each playbook on
// ur-1 and ur-down, ansible-playbook on ur-2 and ur-down: each host's tasks and statuses (ignored included) must be
// the same, so must the live hosts' run. A host lost mid-run (its own session cut by a task) is provision's alone:
// Ansible reconnects at the next task, provision does not (README).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ansibleOnHosts, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';

const test = suite('unreachable hosts and ignore_unreachable, against ansible-playbook');
let lab: TestLab;
let inv = '';
useLab(test, 'ur', 2, (l) => { lab = l; });

test.before(() => {
  inv = mkdtempSync(join(tmpdir(), 'provision-ur-'));
  const hosts = lab.hosts.map((h) => `    ${h.name}:\n      ansible_host: ${h.address}\n`).join('');
  writeFileSync(join(inv, 'hosts.yml'), `all:\n  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: ${lab.key}\n    known_hosts: ${lab.knownHosts}\n`
    + `  hosts:\n${hosts}    ur-down:\n      ansible_host: ${lab.hosts[0].address}\n      ansible_port: 1\n`);
});

async function both(playbook: string) {
  const pb = `test/fixtures/unreachable/${playbook}`;
  const [r, a] = await Promise.all([applyJson([pb, '--limit', 'ur-1,ur-down'], inv), ansibleOnHosts(pb, inv, ['ur-2', 'ur-down'])]);
  return { r, a, mine: { live: asOracle(r.report.hosts['ur-1'].tasks), down: asOracle(r.report.hosts['ur-down'].tasks) },
    theirs: { live: a.byHost['ur-2'], down: a.byHost['ur-down'] } };
}

test('on a task and a block: what needs nothing of the host runs, the ignored ones are registered, the first not ignored ends the host', async () => {
  const { r, a, mine, theirs } = await both('task.yml');
  assert.equal(mine, theirs);
  assert.equal(mine.down.map((t) => `${t.task}: ${t.status}${t.ignored ? ' (ignored)' : ''}`), ['first: ok', 'may be unreachable: unreachable (ignored)',
    'what it registered: ok', 'in the block: unreachable (ignored)', 'not ignored: unreachable']);
  assert.is(r.code, 1);
  assert.is.not(a.code, 0);
  const down = r.report.hosts['ur-down'];
  assert.equal([down.unreachable, down.ignored, down.ok], [true, 2, 2]);
  assert.match(down.error ?? '', 'cannot connect to root@');
});

test('on the play, with fact gathering: every play runs on the unreachable host, a task\'s own false still ends it', async () => {
  const { r, mine, theirs } = await both('play.yml');
  assert.equal(mine, theirs);
  assert.equal(mine.down.map((t) => `${t.task}: ${t.status}${t.ignored ? ' (ignored)' : ''}`), ['first: ok', 'needs the host: unreachable (ignored)',
    'unreachable, registered: ok', 'a loop: unreachable (ignored)', 'not ignored here: unreachable']);
  assert.is(r.report.hosts['ur-down'].tasks[2].msg, 'true', 'as Ansible prints it: the boolean true');
});

test('lost mid-run: the task that lost it is unreachable (ignored), later ones too, the first not ignored ends the host', async () => {
  const r = await applyJson(['test/fixtures/unreachable/lost.yml', '--limit', 'ur-2'], inv);
  const h = r.report.hosts['ur-2'];
  assert.equal(asOracle(h.tasks).map((t) => `${t.task}: ${t.status}${t.ignored ? ' (ignored)' : ''}`), ['cut its own session: unreachable (ignored)',
    'still here: ok', 'needs the host: unreachable (ignored)', 'not ignored: unreachable']);
  assert.is(r.code, 1);
  assert.is(h.unreachable, true);
  assert.match(h.error ?? '', 'the connection was lost during the run');
});

test.run();
