// The terminal view: on a TTY (a pseudo-terminal from script(1)) apply shows listr2's live lines per host;
// without one, plain lines. An unreachable host on loopback needs no lab.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'live-'));
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
writeFileSync(join(dir, 'hosts.ini'), `ghost ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_private_key_file=${join(dir, 'key')}\n`);
writeFileSync(join(dir, 'play.yml'), '- hosts: all\n  tasks:\n    - name: anything\n      command: { argv: ["true"] }\n');
const cmd = `${process.execPath} bin/provision.js apply ${join(dir, 'play.yml')} -i ${join(dir, 'hosts.ini')}`;

test('on a terminal: a live line per host (listr2), then the recap', () => {
  const r = spawnSync('script', ['-qec', `stty cols 120 rows 40; ${cmd}`, '/dev/null'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.match(r.stdout, /\u001b\[/, 'terminal control sequences: the live view');
  assert.match(r.stdout, /ghost/);
  assert.match(r.stdout, /ghost\s+ok=0 changed=0 failed=0 skipped=0 unreachable=1/);
});

test('without a terminal: plain lines only, then the recap', () => {
  const r = spawnSync('sh', ['-c', cmd], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.not.match(r.stdout, /\u001b\[/);
  assert.match(r.stdout, /^unreachable ghost: ghost: cannot connect to root@\[127\.0\.0\.1\]:1/m);
  assert.match(r.stdout, /ghost\s+ok=0 changed=0 failed=0 skipped=0 unreachable=1/);
});

test.run();
