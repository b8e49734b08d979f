// The hostile input corpus (test/fixtures/bad/): every item is refused by validate and by apply with one
// line naming its file and line, exit 4, and nothing runs: a listener standing in for the host is never
// connected to.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ed25519KeyPair } from '../../engine/keygen.ts';
import { provision } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'provision-bad-'));
cpSync(new URL('../fixtures/bad/', import.meta.url).pathname, dir, { recursive: true });
let server: Server;
let connections = 0;
const inv = join(dir, 'inventory');

test.before(async () => {
  server = createServer((s) => { connections++; s.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const conn = `ansible_host: 127.0.0.1\n      ansible_port: ${port}\n      ansible_ssh_private_key_file: ${join(dir, 'key')}\n      known_hosts: ${join(dir, 'known_hosts')}`;
  writeFileSync(join(dir, 'key'), ed25519KeyPair().privateKey);
  mkdirSync(inv);
  writeFileSync(join(inv, 'hosts.yml'), `all:\n  hosts:\n    h1:\n      ${conn}\n`);
  mkdirSync(join(dir, 'cyclic-inventory', 'host_vars'));
  writeFileSync(join(dir, 'cyclic-inventory', 'host_vars', 'h1.yml'), conn.replace(/\n {6}/g, '\n'));
  mkdirSync(join(dir, 'templates'));
  symlinkSync('loop-b', join(dir, 'templates', 'loop-a'));
  symlinkSync('loop-a', join(dir, 'templates', 'loop-b'));
  writeFileSync(join(dir, 'huge.yml'), Buffer.alloc(100 * 2 ** 20, 'a'));
});

test.after(() => new Promise<void>((r) => server.close(() => r())));

/** The item, the inventory it runs against, and the one line (after "provision: .../") it must be refused with. */
const CASES: Array<[string, string, RegExp]> = [
  ['malformed.yml', inv, /^malformed\.yml:6:1: YAML: /],
  ['wrong-type.yml', inv, /^wrong-type\.yml:5:53: file: "mode" must be an octal mode in quotes/],
  ['unknown-key.yml', inv, /^unknown-key\.yml:5:29: file: unknown argument "sate"/],
  ['duplicate-key.yml', inv, /^duplicate-key\.yml:7:9: YAML: duplicated mapping key/],
  ['package-metachars.yml', inv, /^package-metachars\.yml:5:30: apt: "name\.1" must be a Debian package name/],
  ['template-escape.yml', inv, /^template-escape\.yml:5:24: local file "(\.\.\/){10}etc\/passwd" climbs with "\.\." out of the playbook's directory and the project/],
  ['symlink-loop.yml', inv, /^symlink-loop\.yml:5:24: local file "loop-a" is a loop of symbolic links/],
  ['undefined-var.yml', inv, /^undefined-var\.yml:5:\d+: undefined variable "nowhere_defined"/],
  ['valid.yml', join(dir, 'cyclic-inventory'), /^cyclic-inventory\/hosts\.yml:10:13: group "a" as a child of "b" makes a cycle: a > b > a/],
  ['huge.yml', inv, /^huge\.yml:1:1: playbook is 100 MB, over the limit of 10 MB/],
];

for (const [item, inventory, want] of CASES) {
  test(`${item}: refused by validate and apply with file:line, nothing connected`, async () => {
    for (const cmd of ['validate', 'apply']) {
      const t0 = Date.now();
      const r = await provision([cmd, join(dir, item), '-i', inventory]);
      const lines = r.stderr.trim().split('\n');
      assert.is(r.code, 4, `${cmd} ${item}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      // Every problem at once, each on its own line with its file:line:col.
      for (const l of lines) assert.match(l, /^(provision: )?\S+:\d+(:\d+)?: /, `${cmd} ${item}: ${l}`);
      const rest = lines[0].replace(/^provision: \S*?provision-bad-[^/]+\//, '');
      assert.match(rest, want, `${cmd} ${item}: ${lines[0]}`);
      assert.not.match(r.stderr, /\n\s+at /, 'a stack trace');
      assert.is(r.stdout, '');
      assert.ok(Date.now() - t0 < 10_000, `${cmd} ${item} took ${Date.now() - t0} ms`);
    }
    assert.is(connections, 0, 'a host was connected to');
  });
}

test('the valid playbook does reach the host (the listener counts connections)', async () => {
  const r = await provision(['apply', join(dir, 'valid.yml'), '-i', inv]);
  assert.is(r.code, 1);
  assert.ok(connections > 0);
});

test.run();
