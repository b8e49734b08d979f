// The lab's refusals: each one clear line saying what to do, and nothing started.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { provision } from '../helpers/cli.ts';

const test = suite('lab errors');
const oneLine = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('provision:'));

test('not root: refused with what to do', async () => {
  const r = await provision(['lab', 'up', '--prefix', 'nr'], { uid: 65534, gid: 65534, env: { HOME: '/tmp' } });
  assert.is(r.code, 1);
  assert.equal(oneLine(r.stderr), ['provision: the lab needs root (it creates namespaces, mounts and containers): run it with sudo or as root']);
});

test('debootstrap missing (no cached image): names the package to install', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'path-'));
  const cache = mkdtempSync(join(tmpdir(), 'cache-'));
  for (const tool of ['sh', 'bash', 'systemd-nspawn', 'ip', 'unshare', 'flock', 'socat', 'apt-cacher-ng', 'ssh-keygen']) {
    const where = execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim();
    symlinkSync(where, join(bin, tool));
  }
  const r = await provision(['lab', 'up', '--prefix', 'nodb'], { env: { PATH: bin, PROVISION_CACHE_DIR: cache } });
  assert.is(r.code, 1);
  assert.equal(oneLine(r.stderr), ['provision: the lab needs debootstrap: apt-get install -y debootstrap']);
});

test('a full disk: says how much is free and how much is needed', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', cache]);
  try {
    const r = await provision(['lab', 'up', '--prefix', 'full'], { env: { PROVISION_CACHE_DIR: cache } });
    assert.is(r.code, 1);
    const lines = oneLine(r.stderr);
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0], /^provision: the disk holding \S+images has [0-2] MB free and building the base image needs 1024 MB: free some space$/);
  } finally {
    execFileSync('umount', [cache]);
    rmSync(cache, { recursive: true });
  }
});

test("the bridge's subnet taken by another route: refused, with the flag to use", async () => {
  execFileSync('ip', ['link', 'add', 'pltest0', 'type', 'veth', 'peer', 'name', 'pltest1']);
  try {
    execFileSync('ip', ['addr', 'add', '10.250.0.1/16', 'dev', 'pltest0']);
    execFileSync('ip', ['link', 'set', 'pltest0', 'up']);
    const r = await provision(['lab', 'up', '--prefix', 'sub', '--subnet', '10.250.0.0/16']);
    assert.is(r.code, 1);
    assert.equal(oneLine(r.stderr), ['provision: the lab subnet 10.250.0.0/16 is taken by route 10.250.0.0/16 on pltest0: pass --subnet with a free /16']);
  } finally {
    execFileSync('ip', ['link', 'del', 'pltest0']);
  }
});

test('a subnet that is not a /16 is invalid input (exit 4)', async () => {
  const r = await provision(['lab', 'up', '--prefix', 'sub', '--subnet', '10.1.2.0/24']);
  assert.is(r.code, 4);
  assert.match(r.stderr, /is not an IPv4 \/16/);
});

test('lab ssh to a host that does not exist', async () => {
  const r = await provision(['lab', 'ssh', 'no-such-host']);
  assert.is(r.code, 1);
  assert.equal(oneLine(r.stderr), ['provision: no lab host named no-such-host: see `provision lab list`']);
});

test.run();
