// The droplet's exact check on a fresh lab host (issue 20): `apply playbooks/droplet.yml --check --exact` applies the
// whole droplet in a throwaway view of the host (packages, Node, npm packs, Meteor, configs, the app's release
// and instances, the firewall, the handlers): no task conditional, nothing failed; the host is left as it was;
// and the apply that follows reports the same statuses and the same change lists, task by task.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { bundle } from '../helpers/bundle.ts';
import { type TestLab, foreignProcesses, useLab } from '../helpers/lab.ts';
import { changedSince, hostState } from '../helpers/host-state.ts';

const test = suite('the droplet\'s exact check');
let lab: TestLab;
let ssh: SshConnection;
useLab(test, 'xd', 1, (l, s) => { lab = l; ssh = s[0]; });

const state = () => hostState(ssh);
const rows = (r: Awaited<ReturnType<typeof applyJson>>) => r.report.hosts['xd-1'].tasks.map((t) => `${t.status} ${t.task}: ${JSON.stringify(t.changes)}`);

test('a fresh droplet: the exact check is the apply that follows, and the host is untouched', async () => {
  const b = bundle('exact-droplet-1');
  const args = ['playbooks/droplet.yml', '-e', '@playbooks/lab-vars.yml', '-e', `app_bundle=${b}`];
  const before = await state();
  const exact = await applyJson([...args, '--check', '--exact'], lab.inventory);
  assert.is(exact.code, 0, exact.raw);
  const h = exact.report.hosts['xd-1'];
  assert.equal([h.conditional, h.failed], [0, 0], exact.raw);
  assert.equal(changedSince(before, await state()), [], 'the host as it was: its root tree, units, listeners, rules');
  assert.is(await foreignProcesses(ssh), 0, 'no process of the view left');
  const app = h.tasks.find((t) => t.task === 'the app')!;
  assert.ok(app.view!.intents.includes('systemctl restart pegleg-3000.service'), JSON.stringify(app.view!.intents));
  assert.ok(app.view!.files.some((f) => f.path === '/etc/systemd/system/pegleg-3000.service' && f.change === 'create'));
  const run = await applyJson(args, lab.inventory);
  assert.is(run.code, 0, run.raw);
  assert.equal(rows(exact), rows(run), 'task by task, the statuses and changes of the apply');
});

test.run();
