// The lab inventory file: hosts.yml and known_hosts written from the lab state; removed with its last host.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeInventory } from '../../lab/inventory-file.ts';
import type { HostRecord } from '../../lab/state.ts';

const host = (name: string, prefix: string, index: number, inventory: string): HostRecord => ({
  name, prefix, index, address: `10.233.1.${index}`, mac: '', inventory, layers: [], hostKey: `ssh-ed25519 KEY${index}`,
});

test('hosts.yml has group lab, a group per prefix, addresses and the key; known_hosts has each key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-'));
  const other = mkdtempSync(join(tmpdir(), 'inv-'));
  writeInventory(dir, [host('web-1', 'web', 1, dir), host('db-1', 'db', 2, dir), host('x-1', 'x', 3, other)]);
  const doc = load(readFileSync(join(dir, 'hosts.yml'), 'utf8')) as any;
  const lab = doc.all.children.lab;
  assert.equal(Object.keys(lab.hosts), ['web-1', 'db-1']);
  assert.is(lab.hosts['db-1'].ansible_host, '10.233.1.2');
  assert.equal(Object.keys(lab.children).sort(), ['db', 'web']);
  assert.is(doc.all.vars.ansible_user, 'root');
  assert.match(doc.all.vars.ansible_ssh_private_key_file, /id_ed25519$/);
  assert.is(doc.all.vars.known_hosts, join(dir, 'known_hosts'));
  assert.is(readFileSync(join(dir, 'known_hosts'), 'utf8'), '10.233.1.1 ssh-ed25519 KEY1\n10.233.1.2 ssh-ed25519 KEY2\n');
});

test('an inventory with no hosts left is removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-'));
  writeInventory(dir, [host('web-1', 'web', 1, dir)]);
  writeInventory(dir, []);
  assert.not.ok(existsSync(join(dir, 'hosts.yml')));
  assert.not.ok(existsSync(join(dir, 'known_hosts')));
});

test.run();
