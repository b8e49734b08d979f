// service's sleep, pattern, runlevel, arguments and use on real lab hosts, with real Ansible as the oracle: provision
// applies the playbook on sv2-1, ansible-playbook on sv2-2. Without systemd (the lab's stub init makes Ansible run its
// generic service module, `use: sysvinit` its sysvinit module): the same statuses on two runs, the same calls of the
// init scripts (arguments, a restart as stop and start, the sleeps between), a pattern finding a service whose status
// lies, runlevel refused by sysvinit; --check on the converged host equal to the second run. With systemd (a second
// lab of the same prefix, after the first is down): those arguments dropped, as Ansible's systemd module drops them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const PB = 'test/fixtures/playbooks/service-args.yml';
const SYSTEMD_PB = 'test/fixtures/playbooks/service-args-systemd.yml';

/** An init script's calls as logged: [time in seconds, arguments]. */
const calls = async (s: SshConnection, name: string) =>
  (await sh(s, `cat /root/${name}.calls`)).trimEnd().split('\n').map((l) => [Number(l.split(' ')[0]), l.slice(l.indexOf(' ') + 1)] as const);
/** What changes the service (status calls left out: Ansible's generic module passes the arguments to status too). */
const acts = (c: Awaited<ReturnType<typeof calls>>) => c.map(([, a]) => a).filter((a) => !a.startsWith('status'));
const gap = (c: Awaited<ReturnType<typeof calls>>, from: string, to: string) => {
  const i = c.findIndex(([, a]) => a === from);
  const j = c.findIndex(([, a], k) => k > i && a === to);
  return c[j][0] - c[i][0];
};

const sysv = suite('service arguments without systemd, against ansible-playbook');
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(sysv, 'sv2', 2, (l, s) => { lab = l; ssh = s; }, ['--init', 'sysv']);

sysv('two runs and --check: the statuses of ansible-playbook, the same calls of the init scripts', async () => {
  for (const run of [1, 2]) {
    const r = await applyJson([PB, '--limit', 'sv2-1'], lab.inventory);
    assert.is(r.code, 0, r.raw);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'sv2-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['sv2-1'].tasks), theirs.tasks, `run ${run}`);
    const refused = r.report.hosts['sv2-1'].tasks.find((t) => t.task === 'runlevel under sysvinit')!;
    assert.match(refused.error ?? '', 'Unsupported parameters for (ansible.legacy.sysvinit) module: runlevel');
    if (run === 2) {
      const check = await applyJson([PB, '--limit', 'sv2-1', '--check'], lab.inventory);
      assert.equal(check.report.hosts['sv2-1'].tasks.map((t) => t.status), r.report.hosts['sv2-1'].tasks.map((t) => t.status));
    }
  }
  const [mine, theirs] = await Promise.all(ssh.map((s) => calls(s, 'sv2demo')));
  assert.equal(acts(mine), acts(theirs));
  assert.equal(acts(mine), ['start --quiet two words', 'stop --fast', 'start --fast', 'stop', 'start',
    'stop --fast', 'start --fast', 'stop', 'start']);
  assert.ok(gap(mine, 'stop --fast', 'start --fast') >= 2, 'sleep: 2 between the stop and the start');
  assert.ok(gap(mine, 'stop', 'start') >= 1, "sysvinit's sleep: 1");
  // The pattern found sv2lie-daemon on the second run though its status says stopped: started once, by both.
  const [myLie, theirLie] = await Promise.all(ssh.map((s) => calls(s, 'sv2lie')));
  assert.equal(acts(myLie), ['start']);
  assert.equal(acts(myLie), acts(theirLie));
});

sysv.run();

const sd = suite('service arguments under systemd, against ansible-playbook');
let sdLab: TestLab;
useLab(sd, 'sv2', 2, (l) => { sdLab = l; });

sd('sleep, pattern, runlevel and arguments dropped, as Ansible drops them', async () => {
  for (const run of [1, 2]) {
    const t0 = performance.now();
    const r = await applyJson([SYSTEMD_PB, '--limit', 'sv2-1'], sdLab.inventory);
    assert.is(r.code, 0, r.raw);
    assert.ok(performance.now() - t0 < 30_000, 'no sleep: 30 under systemd');
    const theirs = await ansiblePlaybook(SYSTEMD_PB, sdLab.inventory, 'sv2-2');
    assert.is(theirs.code, 0, theirs.raw);
    assert.equal(asOracle(r.report.hosts['sv2-1'].tasks), theirs.tasks, `run ${run}`);
    if (run === 2) assert.is(r.report.hosts['sv2-1'].tasks[1].status, 'ok', 'running, whatever the pattern says');
  }
});

sd.run();
