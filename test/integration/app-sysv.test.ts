// The app module on a host without systemd: each instance an LSB init script under forever, enabled
// for boot with update-rc.d; deploys, scaling and a second run as on a systemd droplet.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { bundle } from '../helpers/bundle.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('app on sysv');
const PB = 'test/fixtures/playbooks/app.yml';
let lab: TestLab;
let ssh: SshConnection;
let b1: string;
let b2: string;
const apply = (...extra: string[]) => applyJson([PB, ...extra], lab.inventory);
const answer = async (port: number) => JSON.parse(await sh(ssh, `curl -sf http://127.0.0.1:${port}/`)) as { pid: number; release: string; node: string };

useLab(test, 'appsv', 1, (l, s) => { lab = l; ssh = s[0]; }, ['--init', 'sysv']);
test.before(() => {
  b1 = bundle('sysv-release-1');
  b2 = bundle('sysv-release-2');
});

test('instances run from init scripts, enabled for boot, on Node 0.8.28', async () => {
  assert.is((await ssh.exec('test -d /run/systemd/system')).code, 1, 'no systemd on this host');
  const r = await apply('-e', `bundle=${b1}`);
  assert.is(r.code, 0, r.raw);
  for (const port of [3000, 3001, 3002]) {
    const a = await answer(port);
    assert.is(a.node, 'v0.8.28');
    assert.is(a.release, 'sysv-release-1');
  }
  assert.equal((await sh(ssh, 'ls /etc/init.d | grep "^pegleg-"')).trim().split('\n'), ['pegleg-3000', 'pegleg-3001', 'pegleg-3002']);
  assert.match(await sh(ssh, 'ls /etc/rc2.d'), /S\d\dpegleg-3000/);
  assert.is((await sh(ssh, 'ps -o user= -C node | sort -u')).trim(), 'deploy', 'forever and the app run as deploy');
  const again = await apply('-e', `bundle=${b1}`);
  assert.is(again.report.hosts['appsv-1'].changed, 0, again.raw);
});

test('a new release restarts every instance through its init script; scaling down removes the extra', async () => {
  const before = await answer(3001);
  const r = await apply('-e', `bundle=${b2}`);
  assert.is(r.code, 0, r.raw);
  const after = await answer(3001);
  assert.is(after.release, 'sysv-release-2');
  assert.is.not(after.pid, before.pid);
  const down = await apply('-e', `bundle=${b2}`, '-e', 'instances=2');
  assert.is(down.code, 0, down.raw);
  assert.is((await ssh.exec('curl -s -o /dev/null http://127.0.0.1:3002/')).code, 7);
  assert.not.match(await sh(ssh, 'ls /etc/init.d /etc/rc2.d'), /pegleg-3002/);
  assert.is((await sh(ssh, "ss -ltn | grep -c ':300[0-9] '")).trim(), '2', 'two instances listen');
});

test.run();
