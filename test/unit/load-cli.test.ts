// provision load's refusals, no lab needed: bad flags, a playbook that is not a scalable droplet, an
// unreachable host (loopback port 1): stopped, said so, exit 1, the count not put back said too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provision } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'load-cli-'));
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
const inv = join(dir, 'hosts.ini');
writeFileSync(inv, `ghost ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_private_key_file=${join(dir, 'key')}\n`);
const scalable = join(dir, 'scalable.yml');
writeFileSync(scalable, '- hosts: all\n  vars: { base_port: 3000, instances: 2 }\n  tasks:\n    - name: anything\n      command: { argv: ["true"] }\n');
const fixed = join(dir, 'fixed.yml');
writeFileSync(fixed, '- hosts: all\n  tasks:\n    - name: anything\n      command: { argv: ["true"] }\n');

test('flags: --url must be a path, --instances whole numbers, --duration a duration, --report writable; all exit 4 before any host', async () => {
  const url = await provision(['load', scalable, '-i', inv, '--url', 'http://elsewhere/', '--instances', '1']);
  assert.is(url.code, 4);
  assert.match(url.stderr, /--url "http:\/\/elsewhere\/": a path on the droplet, starting with \//);
  const counts = await provision(['load', scalable, '-i', inv, '--url', '/', '--instances', '1,0']);
  assert.is(counts.code, 4);
  assert.match(counts.stderr, /--instances.*whole numbers from 1 to 1000/);
  const duration = await provision(['load', scalable, '-i', inv, '--url', '/', '--instances', '1', '--duration', '1h']);
  assert.is(duration.code, 4);
  assert.match(duration.stderr, /--duration.*a duration such as 20s or 2m/);
  const report = await provision(['load', scalable, '-i', inv, '--url', '/', '--instances', '1', '--report', join(dir, 'no-such-dir', 'r.html')]);
  assert.is(report.code, 4);
  assert.match(report.stderr, /--report .*no-such-dir\/r\.html: cannot write there \(ENOENT\)/);
  const missing = await provision(['load', scalable, '-i', inv, '--instances', '1']);
  assert.is(missing.code, 4);
  assert.match(missing.stderr, /--url/);
});

test('a playbook with no base_port is not one load can scale: exit 4, said why', async () => {
  const r = await provision(['load', fixed, '-i', inv, '--url', '/', '--instances', '1,2']);
  assert.is(r.code, 4, r.stderr);
  assert.match(r.stderr, /no play sets base_port for ghost: provision load scales a playbook whose app instances listen on base_port/);
});

test('an unreachable host: stopped before any load, the restore fails too, both said, exit 1', async () => {
  const r = await provision(['load', scalable, '-i', inv, '--url', '/', '--instances', '1,2']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /load stopped: ghost is unreachable: ghost: cannot connect to root@\[127\.0\.0\.1\]:1/);
  assert.match(r.stdout, /restoring the playbook's own count: apply failed \(exit 1\):\nghost: .*cannot connect/);
  assert.match(r.stdout, /the playbook's own instance count was NOT applied again/);
  assert.not.match(r.stdout, /instances=1: apply/, 'no count was applied');
  const json = await provision(['load', scalable, '-i', inv, '--url', '/', '--instances', '1', '--json']);
  assert.is(json.code, 1);
  const doc = JSON.parse(json.stdout) as { ok: boolean; restored: boolean; error: string; hosts: Record<string, { rows: unknown[] }> };
  assert.is(doc.ok, false);
  assert.is(doc.restored, false);
  assert.match(doc.error, /ghost is unreachable/);
  assert.equal(doc.hosts.ghost.rows, []);
  assert.is((doc.hosts.ghost as unknown as { url: string }).url, 'http://127.0.0.1/', 'through nginx on port 80');
  // nginx on another port (the template's http_port): the load goes there.
  const other = await provision(['load', scalable, '-i', inv, '--url', '/x?y=1', '--instances', '1', '--json', '-e', 'http_port=8080']);
  assert.is(JSON.parse(other.stdout).hosts.ghost.url, 'http://127.0.0.1:8080/x?y=1');
});

test.run();
