// The firewall module on 2 real lab hosts: ufw on fw-1, iptables on fw-2 (no ufw there, so `auto` picks iptables).
// Reachability is probed from this machine, and only to the lab hosts' addresses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { firewallFact } from '../../modules/firewall/facts.ts';
import { type Report, applyJson as applyReport } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { probeUntil, tcpProbe } from '../helpers/net.ts';

const test = suite('firewall');
const PB = 'test/fixtures/playbooks/firewall.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];

const applyJson = (args: string[]) => applyReport(args, lab.inventory);
const task = (rep: Report, host: string, name: string) => rep.hosts[host].tasks.find((t) => t.task === name)!;
const probes = (address: string) => Promise.all([22, 80, 8080].map((p) => tcpProbe(address, p)));
/** What each backend holds: ufw's status and rules on fw-1, the iptables chains on fw-2. */
const firewallState = () => Promise.all([sh(ssh[0], 'ufw status verbose; cat /etc/ufw/user.rules'), sh(ssh[1], 'iptables -S')]);

/** The fact reads ufw's status line without running ufw: it must say what `ufw status` says. */
async function statusAgreesWithUfw(): Promise<void> {
  const fact = firewallFact('ufw');
  const r = await ssh[0].exec('sh -s', { stdin: fact.script });
  const ours = r.stdout.split('\n')[1];
  assert.is(ours, (await sh(ssh[0], 'LC_ALL=C ufw status')).split('\n')[0]);
}

useLab(test, 'fw', 2, (l, s) => { lab = l; ssh = s; });

test('set-up: ufw on fw-1 only; web listeners on 80 and 8080 answer while no firewall is up', async () => {
  const r = await applyJson([PB, '-t', 'setup']);
  assert.is(r.code, 0, r.raw);
  assert.is((await ssh[0].exec('command -v ufw')).code, 0);
  assert.is((await ssh[1].exec('command -v ufw')).code, 1, 'fw-2 must have no ufw');
  assert.is((await ssh[1].exec('command -v iptables')).code, 0);
  await statusAgreesWithUfw();
  for (const h of lab.hosts) {
    for (const port of [22, 80, 8080]) assert.is(await probeUntil(h.address, port, 'open'), 'open', `${h.name}:${port} before the firewall`);
  }
});

test('allow 22 and 80 only (--check first lists exactly what apply does): 22 and 80 answer, 8080 is dropped', async () => {
  const check = await applyJson([PB, '-t', 'firewall', '--check']);
  assert.is(check.code, 0, check.raw);
  const r = await applyJson([PB, '-t', 'firewall']);
  assert.is(r.code, 0, r.raw);
  for (const h of lab.hosts) {
    const done = task(r.report, h.name, 'allow ssh and web only');
    assert.is(done.status, 'changed', JSON.stringify(done));
    assert.equal(done.changes, task(check.report, h.name, 'allow ssh and web only').changes);
    assert.equal(await probes(h.address), ['open', 'open', 'timeout'], h.name);
  }
  const ufw = task(r.report, 'fw-1', 'allow ssh and web only').changes;
  assert.equal(ufw, ['allow 22/tcp from any (ssh)', 'allow 80/tcp from any (web)', 'enable ufw']);
  const ipt = task(r.report, 'fw-2', 'allow ssh and web only').changes;
  assert.equal(ipt, ['INPUT: accept established and related', 'INPUT: accept loopback', 'allow 22/tcp from any (ssh)',
    'allow 80/tcp from any (web)', 'INPUT policy: ACCEPT -> DROP']);
  const [ufwState, iptables] = await firewallState();
  assert.match(ufwState, /^Status: active\n/);
  await statusAgreesWithUfw();
  assert.match(ufwState, /Default: deny \(incoming\), allow \(outgoing\)/);
  assert.match(iptables, /^-P INPUT DROP\n/);
  assert.match(iptables, /-A INPUT -p tcp -m tcp --dport 80 -m comment --comment "provision: web" -j ACCEPT\n/);
});

test('a second apply changes nothing, in one remote exec per host', async () => {
  const r = await applyJson([PB, '-t', 'firewall', '--detailed-exitcode']);
  assert.is(r.code, 0, r.raw);
  for (const h of Object.values(r.report.hosts)) {
    assert.equal(h.tasks.map((t) => t.status), ['ok']);
    assert.is(h.remote_execs, 1);
  }
});

test('rules without 22 are refused before any change: the firewall stays as it was, SSH still answers', async () => {
  const before = await firewallState();
  const r = await applyJson([PB, '-t', 'cut']);
  assert.is(r.code, 1, r.raw);
  for (const h of lab.hosts) {
    const t = task(r.report, h.name, 'rules without ssh');
    assert.is(t.status, 'failed');
    assert.is(t.error, "firewall: these rules would cut this run's SSH port 22/tcp: add { port: 22 } (or set default_incoming: allow)");
    assert.equal(t.changes, []);
    assert.equal(await probes(h.address), ['open', 'open', 'timeout'], h.name);
  }
  assert.equal(await firewallState(), before);
});

test.run();
