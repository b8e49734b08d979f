// gather_facts on a real lab host, with Ansible's setup module as the oracle: every fact provision gathers has
// the value `ansible -m setup` gives on the same host (date_time to the minute, env for the variables both
// sessions share); they are variables as ansible_facts.NAME and ansible_NAME; a no-op run that gathers them is
// still one remote exec; a play with gather_facts: no has none.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FACT_NAMES } from '../../engine/host-facts.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansibleFacts } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('facts: gather_facts as Ansible');
const PB = 'test/fixtures/playbooks/facts.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'hf', 1, (l, s) => { lab = l; ssh = s; });

test('every fact is what ansible -m setup gathers on the same host', async () => {
  const r = await applyJson([PB, '-e', 'dump_facts=1'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const ours = JSON.parse(await sh(ssh[0], 'cat /root/facts.json')) as Record<string, unknown>;
  const theirs = await ansibleFacts(lab.inventory, 'hf-1');
  for (const name of FACT_NAMES) {
    if (name === 'date_time' || name === 'env' || name === 'memfree_mb') continue; // of the moment: compared below, or not at all
    // /sys/class/net lists in no stable order (two runs of setup differ): the same names, in whatever order.
    if (name === 'interfaces') assert.equal([...(ours[name] as string[])].sort(), [...(theirs[name] as string[])].sort(), name);
    else assert.equal(ours[name], theirs[name], name);
  }
  const [a, b] = [ours.date_time, theirs.date_time] as Array<Record<string, string>>;
  for (const k of ['date', 'year', 'month', 'day', 'hour', 'tz', 'tz_offset', 'weekday', 'weekday_number', 'weeknumber']) assert.is(a[k], b[k], `date_time.${k}`);
  assert.ok(Math.abs(Number(a.epoch) - Number(b.epoch)) < 120, 'date_time.epoch');
  assert.equal(Object.keys(a).sort(), Object.keys(b).sort(), 'date_time keys');
  const [e, f] = [ours.env, theirs.env] as Array<Record<string, string>>;
  for (const k of ['HOME', 'USER', 'LOGNAME', 'PATH', 'SHELL']) assert.is(e[k], f[k], `env.${k}`);
  assert.is(await sh(ssh[0], 'cat /root/facts-line /root/facts-none'), `Debian ${theirs.distribution_major_version} ${lab.hosts[0].address} hf-1\nno\n`);
});

test('a no-op run that gathers facts is one remote exec per play, unless task arguments read facts', async () => {
  const r = await applyJson([PB], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const h = r.report.hosts['hf-1'];
  assert.equal(h.tasks.map((t) => t.status), ['skipped', 'ok', 'ok', 'ok']);
  // Play 1: the facts (and the facts of tasks whose arguments render without them), then those of the task
  // whose arguments read facts; play 2 (no facts): one; play 3 (facts, arguments that read none): one.
  assert.is(h.remote_execs, 4);
});

test.run();
