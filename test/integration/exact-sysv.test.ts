// The droplet's exact check on a fresh lab host without systemd (--init sysv): packages' postinsts go through
// invoke-rc.d, the app's init scripts run start-stop-daemon directly; in the view both are recorders that keep
// what they would start. No task conditional or failed, the host as it was, and the apply that follows reports
// the same statuses and change lists, task by task; then, on the converged host, the exact check of a new
// release says what the apply then does.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { bundle } from '../helpers/bundle.ts';
import { type TestLab, useLab } from '../helpers/lab.ts';
import { changedSince, hostState } from '../helpers/host-state.ts';

const test = suite('the droplet\'s exact check without systemd');
let lab: TestLab;
let ssh: SshConnection;
useLab(test, 'xs', 1, (l, s) => { lab = l; ssh = s[0]; }, ['--init', 'sysv']);

/** The host as the exact check must leave it, less what the running app writes by itself (its logs, forever's files),
 * and its instances' forever processes, by pidfile: the same ones, alive (the exact check restarts none). */
const state = () => hostState(ssh, { prune: ['/srv/pegleg/shared/log', '/srv/pegleg/shared/forever'],
  extra: 'for p in /run/pegleg-*.pid; do [ -f "$p" ] || continue; pid=$(cat "$p"); kill -0 "$pid" 2>/dev/null && echo "$p $pid alive"; done' });
const rows = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['xs-1'].tasks.map((t) => `${t.status} ${t.task}: ${JSON.stringify(t.changes)}`);
const args = (b: string) => ['playbooks/droplet.yml', '-e', '@playbooks/lab-vars.yml', '-e', `app_bundle=${b}`];

test('fresh, then a new release: each exact check is the apply that follows, the host untouched by it', async () => {
  assert.is((await ssh.exec('test -d /run/systemd/system')).code, 1, 'a host without systemd');
  for (const release of ['exact-sysv-1', 'exact-sysv-2']) {
    const b = bundle(release);
    const before = await state();
    const exact = await applyJson([...args(b), '--check', '--exact'], lab.inventory);
    assert.is(exact.code, 0, exact.raw);
    const h = exact.report.hosts['xs-1'];
    assert.equal([h.conditional, h.failed], [0, 0], exact.raw);
    assert.ok(h.view && 'upper_bytes' in h.view, JSON.stringify(h.view));
    assert.equal(changedSince(before, await state()), [], `${release}: the host as it was`);
    const run = await applyJson(args(b), lab.inventory);
    assert.is(run.code, 0, run.raw);
    assert.equal(rows(exact), rows(run), `${release}: the statuses and changes of the apply`);
  }
});

test.run();
