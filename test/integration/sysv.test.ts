// The service module on a real host without systemd: init scripts, started/stopped, enabled/disabled.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';
import { probeUntil } from '../helpers/net.ts';

const test = suite('sysv');

const PB = 'test/fixtures/playbooks/sysv-service.yml';
let lab: TestLab;
let ssh: SshConnection;

useLab(test, 'sysv', 1, (l, s) => { lab = l; ssh = s[0]; }, ['--init', 'sysv']);

test('the host runs no systemd', async () => {
  assert.is((await ssh.exec('test -d /run/systemd/system')).code, 1);
  assert.is((await sh(ssh, 'cat /proc/1/comm')).trim(), '(sd-stubinit)');
});

test('an init script service is started and enabled, then a second run changes nothing', async () => {
  const r = await applyJson([PB], lab.inventory);
  assert.is(r.code, 0, r.raw);
  const svc = r.report.hosts['sysv-1'].tasks.find((t) => t.task === 'demo service')!;
  assert.equal(svc.changes, ['start demo, enable demo at boot']);
  // start-stop-daemon --background returns before python has bound its port: give it a moment.
  assert.is(await probeUntil(lab.hosts[0].address, 8080, 'open'), 'open');
  assert.match(await sh(ssh, 'ls /etc/rc2.d/'), /S\d\ddemo/);
  const again = await applyJson([PB], lab.inventory);
  assert.is(again.report.hosts['sysv-1'].changed, 0, again.raw);
});

test('stopped and disabled through the init script', async () => {
  const r = await applyJson([PB, '-e', 'demo_state=stopped', '-e', 'demo_enabled=false'], lab.inventory);
  assert.is(r.code, 0, r.raw);
  assert.equal(r.report.hosts['sysv-1'].tasks.find((t) => t.task === 'demo service')!.changes, ['stop demo, disable demo at boot']);
  assert.is(await probeUntil(lab.hosts[0].address, 8080, 'refused'), 'refused');
  assert.not.match(await sh(ssh, 'ls /etc/rc2.d/'), /S\d\ddemo/);
});

test.run();
