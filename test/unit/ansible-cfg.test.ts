// ansible.cfg as Ansible finds and reads it (cli/ansible-cfg.ts): which file, what provision takes of it (paths
// relative to the file), what it lists as not applied, and the command line winning over it.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findAnsibleCfg, readAnsibleCfg, withAnsibleCfg } from '../../cli/ansible-cfg.ts';

const dir = mkdtempSync(join(tmpdir(), 'ansible-cfg-'));
const project = join(dir, 'project');
const home = join(dir, 'home');
mkdirSync(project);
mkdirSync(home);
const CFG = `# a project's ansible.cfg
[defaults]
inventory = inventories/prod   ; relative to this file
roles_path = roles:~/shared-roles
forks = 7
remote_user: deploy
private_key_file = keys/id_ed25519
host_key_checking = False
vault_password_file = .vault-pass
retry_files_enabled = False
stdout_callback = yaml

[privilege_escalation]
become = True
become_method = sudo
`;
writeFileSync(join(project, 'ansible.cfg'), CFG);
writeFileSync(join(home, '.ansible.cfg'), '[defaults]\nforks = 3\n');

test('found as Ansible finds it: ANSIBLE_CONFIG, then ./ansible.cfg (not in a world-writable directory), then ~/.ansible.cfg', () => {
  assert.is(findAnsibleCfg({}, project, home), join(project, 'ansible.cfg'));
  assert.is(findAnsibleCfg({ ANSIBLE_CONFIG: join(home, '.ansible.cfg') }, project, home), join(home, '.ansible.cfg'));
  assert.is(findAnsibleCfg({}, dir, home), join(home, '.ansible.cfg'));
  chmodSync(project, 0o777);
  try {
    assert.is(findAnsibleCfg({}, project, home), join(home, '.ansible.cfg'), 'anyone could have written ./ansible.cfg');
  } finally {
    chmodSync(project, 0o755);
  }
});

test('what provision takes of it, paths relative to the file; every other key listed as not applied', () => {
  const cfg = readAnsibleCfg(join(project, 'ansible.cfg'));
  const { ignored, ...rest } = cfg;
  assert.equal(rest, {
    file: join(project, 'ansible.cfg'), inventory: join(project, 'inventories/prod'), rolesPath: [join(project, 'roles'), join(process.env.HOME ?? '', 'shared-roles')],
    forks: 7, remoteUser: 'deploy', privateKeyFile: join(project, 'keys/id_ed25519'), hostKeyChecking: false, vaultPasswordFile: join(project, '.vault-pass'),
    become: true,
  });
  assert.equal(ignored, ['defaults.retry_files_enabled', 'defaults.stdout_callback', 'privilege_escalation.become_method']);
});

test('the command line wins; ansible.cfg fills what it leaves out; no inventory at all is an error', () => {
  const before = process.env.ANSIBLE_ROLES_PATH;
  delete process.env.ANSIBLE_ROLES_PATH;
  try {
    const cfg = readAnsibleCfg(join(project, 'ansible.cfg'));
    const f = withAnsibleCfg({ inventory: 'other', forks: 2 }, cfg);
    assert.equal([f.inventory, f.forks, f.acceptNew, f.become, f.vaultPasswordFile], ['other', 2, true, true, join(project, '.vault-pass')]);
    assert.equal(f.defaults, { vars: { ansible_user: 'deploy', ansible_ssh_private_key_file: join(project, 'keys/id_ed25519') }, source: join(project, 'ansible.cfg') });
    assert.is(process.env.ANSIBLE_ROLES_PATH, cfg.rolesPath!.join(':'));
    assert.is(withAnsibleCfg({}, cfg).inventory, join(project, 'inventories/prod'));
    assert.throws(() => withAnsibleCfg({}, undefined), /no inventory: give -i PATH, or set inventory in the \[defaults\] of an ansible.cfg/);
  } finally {
    if (before === undefined) delete process.env.ANSIBLE_ROLES_PATH;
    else process.env.ANSIBLE_ROLES_PATH = before;
  }
});

test('written wrong: refused with the file and line or key', () => {
  const bad = (text: string) => {
    const f = join(dir, `bad-${Math.random()}.cfg`);
    writeFileSync(f, text);
    return () => readAnsibleCfg(f);
  };
  assert.throws(bad('[defaults]\nforks = many\n'), /forks = many is not a whole number of hosts/);
  assert.throws(bad('[defaults]\nhost_key_checking = maybe\n'), /host_key_checking = maybe is not a boolean/);
  // Ansible's boolean() spellings, all of them: y/n and t/f too.
  const read = (v: string) => { const f = join(dir, `ok-${Math.random()}.cfg`); writeFileSync(f, `[defaults]\nhost_key_checking = ${v}\n`); return readAnsibleCfg(f)!.hostKeyChecking; };
  assert.equal(['y', 'T', 'on', '1', 'n', 'F', 'Off', '0'].map(read), [true, true, true, true, false, false, false, false]);
  assert.throws(bad('inventory = x\n'), /:1: not a \[section\] or a key = value line/);
  assert.throws(bad('[defaults]\ninventory = a,b\n'), /several inventory sources are not supported yet/);
});

test.run();
