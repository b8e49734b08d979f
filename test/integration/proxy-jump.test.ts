// Jump hosts on real lab hosts, with real Ansible (OpenSSH underneath) as the oracle. pj-1 is the bastion; pj-2
// and pj-3 refuse ssh logins from this machine's lab address (sshd DenyUsers), so a run reaches them only through
// pj-1, and each writes down where its ssh client came from. Set by ansible_ssh_common_args (-o ProxyJump=, the
// `ssh -W %h:%p` ProxyCommand) or by an ssh config file (`-F`, which OpenSSH passes on to the jump: the only way
// to give OpenSSH another config, as it reads ~ from the password database, not $HOME); the jump host's key comes
// from an ssh-agent or its own IdentityFile, as `ssh -J` takes it; the hosts behind one bastion share one login.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle } from '../helpers/ansible.ts';
import { type ReportTask } from '../helpers/apply.ts';
import { provision, root } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('jump hosts: ProxyJump, ProxyCommand, ~/.ssh/config');
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'pj', 3, (l, s) => { lab = l; ssh = s; });

const dir = mkdtempSync(join(tmpdir(), 'provision-pj-'));
const home = join(dir, 'home');
const PB = join(dir, 'from.yml');
/** The ssh config both tools read (-F): the lab's host keys for every host, the bastion's included. */
const CONFIG = join(dir, 'ssh_config');
const configWith = (blocks = '') => writeFileSync(CONFIG, `${blocks}Host *\n  UserKnownHostsFile ${join(home, '.ssh', 'known_hosts')}\n`);
let agent: { sock: string; pid: number } | undefined;
let bastion = '';

test.before(async () => {
  bastion = lab.hosts[0].address;
  // The hosts behind the bastion refuse this machine (the connections already open stay).
  const me = (await sh(ssh[1], 'echo "${SSH_CLIENT%% *}"')).trim();
  await Promise.all(ssh.slice(1).map((s) => sh(s, `echo "DenyUsers *@${me}" > /etc/ssh/sshd_config.d/deny-controller.conf && systemctl reload ssh`)));
  // provision's home (no config of this machine's user read), and known_hosts for the bastion.
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(lab.knownHosts, join(home, '.ssh', 'known_hosts'));
  configWith();
  writeFileSync(PB, '- hosts: all\n  gather_facts: false\n  tasks:\n'
    + '    - name: where the ssh client came from\n      shell: echo "${SSH_CLIENT%% *}" > /root/pj-from\n'
    + '    - name: read back\n      command: cat /root/pj-from\n      register: came\n      changed_when: false\n');
  const sock = join(dir, 'agent.sock');
  const out = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
  agent = { sock, pid: Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]) };
  execFileSync('ssh-add', [lab.key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
});

test.after(() => {
  if (agent) process.kill(agent.pid, 'SIGTERM');
});

/** An inventory of pj-2 and pj-3 with the lab's key and known_hosts, and `vars` for both. */
function inventory(name: string, vars: string): string {
  const inv = join(dir, name);
  mkdirSync(inv, { recursive: true });
  const hosts = lab.hosts.slice(1).map((h) => `    ${h.name}:\n      ansible_host: ${h.address}\n`).join('');
  writeFileSync(join(inv, 'hosts.yml'), `all:\n  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: ${lab.key}\n`
    + `    known_hosts: ${lab.knownHosts}\n${vars.split('\n').filter(Boolean).map((l) => `    ${l}\n`).join('')}  hosts:\n${hosts}`);
  return inv;
}

type Run = { code: number; out: string; tasks: Record<string, ReportTask[]>; errors: Record<string, string | undefined> };

async function mine(inv: string, hosts: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const r = await provision(['apply', PB, '-i', inv, '--limit', hosts.join(','), '--json'], { env: { HOME: home, ...env } });
  const report = JSON.parse(r.stdout) as { hosts: Record<string, { tasks: ReportTask[]; error?: string }> };
  return { code: r.code, out: r.stdout + r.stderr, tasks: Object.fromEntries(hosts.map((h) => [h, report.hosts[h].tasks])),
    errors: Object.fromEntries(hosts.map((h) => [h, report.hosts[h].error])) };
}

const cameFrom = async (s: SshConnection) => (await sh(s, 'cat /root/pj-from; rm -f /root/pj-from')).trim();

/** provision on pj-2, ansible-playbook on pj-3, with `env`: the same tasks and statuses, and both reached through the bastion. */
async function bothThrough(inv: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await mine(inv, ['pj-2'], env);
  assert.is(r.code, 0, r.out);
  const theirs = await ansiblePlaybook(relative(root, PB), inv, 'pj-3', [], { HOME: home, ...env });
  assert.is(theirs.code, 0, theirs.raw);
  assert.equal(asOracle(r.tasks['pj-2']), theirs.tasks);
  assert.equal([await cameFrom(ssh[1]), await cameFrom(ssh[2])], [bastion, bastion], 'both hosts were reached from the bastion');
}

test('straight to a host that refuses this machine: unreachable (what makes the other tests mean something)', async () => {
  const r = await mine(inventory('straight', ''), ['pj-2'], { SSH_AUTH_SOCK: agent!.sock });
  assert.is(r.code, 1, r.out);
  assert.match(r.errors['pj-2'] ?? '', 'cannot connect to root@');
});

test('ansible_ssh_common_args: -o ProxyJump=, the bastion\'s key from the ssh-agent, as ansible-playbook does it', async () => {
  await bothThrough(inventory('jump', `ansible_ssh_common_args: '-F ${CONFIG} -o ProxyJump=root@${bastion}'`), { SSH_AUTH_SOCK: agent!.sock });
});

test('ansible_ssh_common_args: the ProxyCommand "ssh -W %h:%p" form with its own -i key, no agent', async () => {
  const inv = inventory('command', `ansible_ssh_common_args: '-F ${CONFIG} -o ProxyCommand="ssh -o UserKnownHostsFile=${join(home, '.ssh', 'known_hosts')} -W %h:%p -q -i ${lab.key} root@${bastion}"'`);
  await bothThrough(inv, { SSH_AUTH_SOCK: '' });
});

test('an ssh config (-F): ProxyJump for the hosts, the bastion\'s HostName, User and IdentityFile from its own block, no agent', async () => {
  const addresses = lab.hosts.slice(1).map((h) => h.address).join(' ');
  configWith(`Host ${addresses}\n  ProxyJump pj-bastion\nHost pj-bastion\n  HostName ${bastion}\n  User root\n  IdentityFile ${lab.key}\n`);
  try {
    await bothThrough(inventory('config', `ansible_ssh_common_args: '-F ${CONFIG}'`), { SSH_AUTH_SOCK: '' });
  } finally {
    configWith();
  }
});

test('two hosts behind one bastion: one login to it, shared', async () => {
  const since = (await sh(ssh[0], 'date +%s.%N')).trim();
  const r = await mine(inventory('jump', `ansible_ssh_common_args: '-o ProxyJump=root@${bastion}'`), ['pj-2', 'pj-3'], { SSH_AUTH_SOCK: agent!.sock });
  assert.is(r.code, 0, r.out);
  assert.equal([await cameFrom(ssh[1]), await cameFrom(ssh[2])], [bastion, bastion]);
  const logins = await sh(ssh[0], `journalctl -u ssh --since @${since} -o cat | grep -c '^Accepted publickey' || true`);
  assert.is(logins.trim(), '1');
});

test('a bastion without a key for it, and one that does not answer: unreachable, naming the jump host and where it was set', async () => {
  let r = await mine(inventory('jump', `ansible_ssh_common_args: '-o ProxyJump=root@${bastion}'`), ['pj-2'], { SSH_AUTH_SOCK: '' });
  assert.is(r.code, 1);
  assert.match(r.errors['pj-2'] ?? '', `jump host root@${bastion} (host pj-2: ansible_ssh_common_args): no key for it:`);
  r = await mine(inventory('nowhere', "ansible_ssh_common_args: '-J root@10.233.255.254'"), ['pj-2'], { SSH_AUTH_SOCK: agent!.sock });
  assert.is(r.code, 1);
  assert.match(r.errors['pj-2'] ?? '', /^jump host root@10\.233\.255\.254 \(host pj-2: ansible_ssh_common_args\): cannot connect/);
});

test('an ssh option provision cannot honour: validate refuses it at the inventory line that sets it', async () => {
  const inv = inventory('forward', "ansible_ssh_common_args: '-o ForwardAgent=yes'");
  const r = await provision(['validate', PB, '-i', inv], { env: { HOME: home } });
  assert.is(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stderr, `${relative(root, join(inv, 'hosts.yml'))}:6:1: host pj-2: `);
  assert.match(r.stderr, 'ansible_ssh_common_args: -o ForwardAgent is not supported yet');
});

test.run();
