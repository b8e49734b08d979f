// The hostile input corpus (test/fixtures/bad/): every item is refused by validate and by apply with one
// line naming its file and line, exit 4, and nothing runs: a listener standing in for the host is never
// connected to.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ed25519KeyPair } from '../../providers/keygen.ts';
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
  // Sparse: the engine must refuse it by its size, unread.
  mkdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'files', 'huge.bin'), '');
  truncateSync(join(dir, 'files', 'huge.bin'), 100 * 2 ** 20);
  writeFileSync(join(dir, 'templates', 'huge.j2'), '');
  truncateSync(join(dir, 'templates', 'huge.j2'), 100 * 2 ** 20);
  // Inventories and vars files over 10 MB: an inventory file, a group_vars file, an -e @file.
  for (const d of ['huge-inventory', 'huge-group-vars']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'huge-inventory', 'hosts.yml'), `all:\n  hosts:\n    h1:\n      ${conn}\n`);
  writeFileSync(join(dir, 'huge-inventory', 'more.yml'), '');
  truncateSync(join(dir, 'huge-inventory', 'more.yml'), 100 * 2 ** 20);
  cpSync(inv, join(dir, 'huge-group-vars'), { recursive: true });
  mkdirSync(join(dir, 'huge-group-vars', 'group_vars'));
  writeFileSync(join(dir, 'huge-group-vars', 'group_vars', 'all.yml'), '');
  truncateSync(join(dir, 'huge-group-vars', 'group_vars', 'all.yml'), 100 * 2 ** 20);
  writeFileSync(join(dir, 'huge-vars.yml'), '');
  truncateSync(join(dir, 'huge-vars.yml'), 100 * 2 ** 20);
});

test.after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true }); // the 100 MB playbook is real bytes
});

type Case = {
  /** The playbook, and the inventory (default: the one pointing at the listener) and extra arguments. */
  item: string; inventory?: string; args?: string[];
  /** The line, after "provision: " and the temp directory, it must be refused with. */
  want: RegExp;
  /** How many lines stderr has: one per problem (package-metachars has two bad names). */
  lines?: number;
};

const CASES: Case[] = [
  { item: 'malformed.yml', want: /^malformed\.yml:5:36: YAML: the \[ opened here is not closed \(the parser stopped at 6:1: deficient indentation\)$/ },
  { item: 'wrong-type.yml', want: /^wrong-type\.yml:5:53: file: "mode" must be an octal mode like "0644"/ },
  { item: 'unknown-key.yml', want: /^unknown-key\.yml:5:29: file: unknown argument "sate"$/ },
  { item: 'duplicate-key.yml', want: /^duplicate-key\.yml:7:9: YAML: duplicated mapping key$/ },
  { item: 'package-metachars.yml', want: /^package-metachars\.yml:5:30: apt: "name\.1" must be a Debian package name/, lines: 2 },
  { item: 'block-marker-newline.yml', want: /^block-marker-newline\.yml:5:60: blockinfile: "marker" must be one line with \{mark\} where BEGIN or END goes$/ },
  { item: 'cron-job-newline.yml', want: /^cron-job-newline\.yml:5:35: cron: "job" must be the command \(or, with env, the variable's value\) on one line$/ },
  { item: 'apt-repo-newline.yml', want: /^apt-repo-newline\.yml:5:31: apt_repository: "repo" must be one source line like "deb http:\/\/deb\.debian\.org\/debian bookworm-backports main"$/ },
  { item: 'unit-metachars.yml', want: /^unit-metachars\.yml:5:32: systemd_service: "name" must be a unit name, like nginx or getty@tty1\.service$/, lines: 2 },
  { item: 'git-option.yml', want: /^git-option\.yml:5:20: git: "repo" must be a repository URL or path \(no spaces, not starting with -\)$/ },
  { item: 'sysctl-newline.yml', want: /^sysctl-newline\.yml:5:23: sysctl: "name" must be a parameter name like net\.ipv4\.ip_forward \(no space or = inside\)$/ },
  { item: 'debconf-newline.yml', want: /^debconf-newline\.yml:5:42: debconf: "question" must be a question name without spaces, like tzdata\/Areas$/ },
  { item: 'package-name-metachars.yml', want: /^package-name-metachars\.yml:5:24: package: "name" must be a Debian package name/ },
  { item: 'replace-path-relative.yml', want: /^replace-path-relative\.yml:5:24: replace: "path" must be an absolute path$/ },
  { item: 'stat-relative.yml', want: /^stat-relative\.yml:5:21: stat: "path" must be an absolute path$/ },
  { item: 'uri-method-newline.yml', want: /^uri-method-newline\.yml:5:48: uri: "method" must be one word: GET, POST, PUT, DELETE\.\.\.$/ },
  { item: 'wait-for-host.yml', want: /^wait-for-host\.yml:5:25: wait_for: "host" must be a host name or address$/ },
  { item: 'authorized-key-user.yml', want: /^authorized-key-user\.yml:5:31: authorized_key: "user" must be a user name$/ },
  { item: 'apt-key-url-newline.yml', want: /^apt-key-url-newline\.yml:5:23: apt_key: "url" must be a URL the host downloads the key from \(http, https or ftp\), without spaces or line breaks$/ },
  { item: 'template-escape.yml', want: /^template-escape\.yml:5:24: local file "(\.\.\/){10}etc\/passwd" climbs with "\.\." out of the playbook's directory and the project/ },
  { item: 'symlink-loop.yml', want: /^symlink-loop\.yml:5:24: local file "loop-a" is a loop of symbolic links/ },
  { item: 'undefined-var.yml', want: /^undefined-var\.yml:5:21: undefined variable "nowhere_defined"$/ },
  { item: 'valid.yml', inventory: join(dir, 'cyclic-inventory'), want: /^cyclic-inventory\/hosts\.yml:10:13: group "a" as a child of "b" makes a cycle: a > b > a$/ },
  { item: 'huge.yml', want: /^huge\.yml:1:1: playbook is 100 MB, over the limit of 10 MB: is it the right file\?$/ },
  { item: 'copy-huge.yml', want: /^copy-huge\.yml:5:20: copy source "files\/huge\.bin" is 100 MB, over the limit of 64 MB: is it the right file\?$/ },
  { item: 'template-huge.yml', want: /^template-huge\.yml:5:24: template "huge\.j2" is 100 MB, over the limit of 10 MB: is it the right file\?$/ },
  { item: 'valid.yml', inventory: join(dir, 'huge-inventory'), want: /^huge-inventory\/more\.yml:1:1: inventory or vars file is 100 MB, over the limit of 10 MB/ },
  { item: 'valid.yml', inventory: join(dir, 'huge-group-vars'), want: /^huge-group-vars\/group_vars\/all\.yml:1:1: inventory or vars file is 100 MB, over the limit of 10 MB/ },
  { item: 'valid.yml', args: ['-e', `@${join(dir, 'huge-vars.yml')}`], want: /^huge-vars\.yml:1:1: vars file is 100 MB, over the limit of 10 MB/ },
];

for (const c of CASES) {
  const label = `${c.item}${c.inventory ? ` -i ${c.inventory.slice(dir.length + 1)}` : ''}${c.args ? ` ${c.args[0]} ${c.args[1].replace(dir + '/', '')}` : ''}`;
  test(`${label}: refused by validate and apply with file:line, nothing connected`, async () => {
    for (const cmd of ['validate', 'apply']) {
      const t0 = Date.now();
      const r = await provision([cmd, join(dir, c.item), '-i', c.inventory ?? inv, ...(c.args ?? [])]);
      const lines = r.stderr.trim().split('\n');
      assert.is(r.code, 4, `${cmd} ${label}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.is(lines.length, c.lines ?? 1, `${cmd} ${label}: ${r.stderr}`);
      // Every problem at once, each on its own line with its file:line:col.
      for (const l of lines) assert.match(l, /^(provision: )?\S+:\d+:\d+: /, `${cmd} ${label}: ${l}`);
      const rest = lines[0].replace(/^provision: /, '').replace(/\S*?provision-bad-[^/]+\//, '');
      assert.match(rest, c.want, `${cmd} ${label}: ${lines[0]}`);
      assert.not.match(r.stderr, /\n\s+at /, 'a stack trace');
      assert.is(r.stdout, '');
      assert.ok(Date.now() - t0 < 10_000, `${cmd} ${label} took ${Date.now() - t0} ms`);
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
