// Ansible's connection variables (engine/inventory/connection.ts): each one honoured, taken as changing nothing
// here, or refused by name with the host; none silently dropped. A refusal in an inventory is validate's, at the
// line that sets it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, UserError } from '../../engine/errors.ts';
import { CONNECTION_VARS, connection } from '../../engine/inventory/connection.ts';
import { provision } from '../helpers/cli.ts';
import { thrown } from '../helpers/thrown.ts';

const refused = (vars: Record<string, unknown>) => {
  const e = thrown(UserError, () => connection(vars, 'web'));
  assert.is(e.exitCode, EXIT.invalid);
  return e.message;
};

test('honoured: ssh password, connect timeout, host key checking off (= --accept-new), ansible_ssh_args, become as a boolean', () => {
  const c = connection({ ansible_password: 'pw-1234', ansible_timeout: 7, ansible_host_key_checking: 'False', ansible_ssh_args: '-o ServerAliveInterval=4',
    ansible_become: 'yes' }, 'web');
  assert.equal([c.password, c.connectTimeoutMs, c.sshArgs, c.become], ['pw-1234', 7000, { keepaliveMs: 4000, acceptNew: true }, true]);
  assert.is(connection({ ansible_ssh_pass: 'x-pass' }, 'web').password, 'x-pass');
  assert.is(connection({ ansible_ssh_host_key_checking: true }, 'web').sshArgs, undefined);
  assert.is(refused({ ansible_timeout: 'soon' }), 'host web: ansible_timeout "soon" is not a number of seconds');
  assert.is(refused({ ansible_host_key_checking: 'maybe' }), 'host web: ansible_host_key_checking "maybe" is not a boolean');
  assert.is(refused({ ansible_become: 'perhaps' }), 'host web: ansible_become "perhaps" is not a boolean');
});

test('taken as changing nothing: the Python interpreter, pipelining, scp/sftp settings; ssh, sudo and sh where a kind is named', () => {
  const c = connection({ ansible_python_interpreter: '/usr/bin/python3', ansible_pipelining: true, ansible_scp_extra_args: '-l 100',
    ansible_connection: 'ssh', ansible_become_method: 'sudo', ansible_shell_type: 'sh', ansible_ssh_executable: '/usr/bin/ssh' }, 'web');
  assert.is(c.host, 'web');
  assert.is(connection({ ansible_connection: 'smart' }, 'web').host, 'web');
});

test('refused by name: another kind of connection, become method or shell, and what provision cannot honour yet', () => {
  assert.is(refused({ ansible_connection: 'local' }), 'host web: ansible_connection "local" is not supported yet (provision connects by SSH)');
  assert.is(refused({ ansible_connection: 'docker' }), 'host web: ansible_connection "docker" is not supported yet (provision connects by SSH)');
  assert.is(refused({ ansible_become_method: 'su' }), 'host web: ansible_become_method "su" is not supported yet (provision becomes with sudo)');
  assert.is(refused({ ansible_shell_type: 'csh' }), 'host web: ansible_shell_type "csh" is not supported yet (provision runs sh)');
  for (const k of CONNECTION_VARS.notYet) assert.is(refused({ [k]: 'x' }), `host web: ${k} is not supported yet`);
});

test('every variable of the table is in one list only', () => {
  const all = [...CONNECTION_VARS.honoured, ...CONNECTION_VARS.noEffect, ...CONNECTION_VARS.notYet];
  assert.is(new Set(all).size, all.length);
});

test('validate: a refused connection variable in an INI inventory, at its file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conn-vars-'));
  writeFileSync(join(dir, 'hosts'), '[web]\nweb1 ansible_host=10.0.0.1\nweb2 ansible_host=10.0.0.2 ansible_connection=local\n');
  writeFileSync(join(dir, 'site.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: hi }\n');
  const r = await provision(['validate', join(dir, 'site.yml'), '-i', join(dir, 'hosts')]);
  assert.is(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stderr, /hosts:3:1: host web2: ansible_connection "local" is not supported yet \(provision connects by SSH\)/);
});

test.run();
