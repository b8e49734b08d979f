// command and shell on a real lab host, written as Ansible users write them: command's words are split as
// Ansible's shlex.split splits them and run without a shell; shell runs a line in /bin/sh or its `executable`;
// free-form creates= keeps both idempotent.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { applyJson } from '../helpers/apply.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('commands');
const PB = 'test/fixtures/playbooks/commands.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];

useLab(test, 'cm', 1, (l, s) => { lab = l; ssh = s; });

test('free-form command and shell as Ansible runs them; a second apply runs only the command without creates', async () => {
  const first = await applyJson([PB], lab.inventory);
  assert.is(first.code, 0, first.raw);
  assert.equal(first.report.hosts['cm-1'].tasks.map((t) => t.status), ['changed', 'changed', 'changed', 'changed', 'changed']);
  assert.is(await sh(ssh[0], 'ls /root/cmd-a "/root/cmd b" && test ! -e /root/cmd-redirect && echo none'), '/root/cmd b\n/root/cmd-a\nnone\n');
  assert.is(await sh(ssh[0], 'cat /root/cmd-echoed /root/shell-out /root/which-shell'), 'hi > /root/cmd-redirect\nHI\n/bin/bash\n');
  const again = await applyJson([PB], lab.inventory);
  assert.is(again.code, 0, again.raw);
  assert.equal(again.report.hosts['cm-1'].tasks.map((t) => t.status), ['ok', 'changed', 'ok', 'ok', 'ok']);
});

test.run();
