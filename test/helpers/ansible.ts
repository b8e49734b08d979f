// Real Ansible as the oracle of compatibility tests: ansible-playbook (ansible-core from Debian) run on a lab
// host with a stdout callback of ours (ansible-callback/oracle.py), each task's status read from it; and what a
// playbook left on a host (contents, owner, mode) in a form two hosts can be compared by.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { root } from './cli.ts';

export type OracleTask = { task: string; status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable'; ignored: boolean };

/**
 * provision's report of tasks in the shape ansiblePlaybook gives Ansible's, to compare the two. A run_once task's
 * share on the hosts that did not run it (ran_on) is left out: Ansible reports it only where it ran.
 */
export const asOracle = (tasks: Array<{ task: string; status: string; ignored?: boolean; ran_on?: string }>) =>
  tasks.filter((t) => !t.ran_on).map((t) => ({ task: t.task, status: t.status, ignored: !!t.ignored }));

/**
 * `ansible-playbook` on `host` of a lab inventory directory; the statuses of its tasks (fact gathering left out)
 * in the order they ran, read from test/helpers/ansible-callback/oracle.py. A rescued failure is `failed`, as in
 * provision's report.
 */
export async function ansiblePlaybook(playbook: string, inventoryDir: string, host: string, args: string[] = [], env: NodeJS.ProcessEnv = {}):
  Promise<{ code: number; tasks: OracleTask[]; raw: string }> {
  const r = await ansibleOnHosts(playbook, inventoryDir, [host], args, env);
  return { code: r.code, tasks: r.byHost[host] ?? [], raw: r.raw };
}

/** `ansible-playbook` on several hosts of a lab inventory directory at once (`extraEnv` over ours): each host's task statuses, in order. */
export function ansibleOnHosts(playbook: string, inventoryDir: string, hosts: string[], args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}):
  Promise<{ code: number; byHost: Record<string, OracleTask[]>; raw: string }> {
  const env = {
    ...process.env, ...extraEnv, ANSIBLE_STDOUT_CALLBACK: 'oracle', ANSIBLE_CALLBACK_PLUGINS: join(root, 'test/helpers/ansible-callback'),
    ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_NOCOLOR: '1',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent', ANSIBLE_LOCALHOST_WARNING: 'False',
    // Modules through the ssh session's stdin: an unprivileged become_user needs no readable temporary files.
    ANSIBLE_PIPELINING: 'True',
  };
  return new Promise((resolve) => {
    execFile('ansible-playbook', ['-i', join(inventoryDir, 'hosts.yml'), '--limit', hosts.join(','), join(root, playbook), ...args],
      { env, cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        const byHost: Record<string, OracleTask[]> = Object.fromEntries(hosts.map((h) => [h, []]));
        for (const l of stdout.split('\n').filter((x) => x.startsWith('{'))) {
          const t = JSON.parse(l) as OracleTask & { host: string };
          if (t.task !== 'Gathering Facts' && byHost[t.host]) byHost[t.host].push({ task: t.task, status: t.status, ignored: t.ignored });
        }
        resolve({ code, byHost, raw: stdout + stderr });
      });
  });
}

/** Each path's owner, group, mode and sha256 on a host (or "absent"), for comparing two hosts. */
export async function filesOn(ssh: SshConnection, paths: string[]): Promise<Record<string, string>> {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = paths.map((p) => `if [ -e ${q(p)} ]; then echo "$(stat -c '%U:%G %a' ${q(p)}) $(sha256sum < ${q(p)} | cut -c1-16)"; else echo absent; fi`).join('; ');
  const r = await ssh.exec(script);
  if (r.code !== 0) throw new Error(`${ssh.target.name}: reading files exited ${r.code}: ${r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  return Object.fromEntries(paths.map((p, i) => [p, lines[i]]));
}

/** What `ansible -m setup` gathers on `host` of a lab inventory directory: its ansible_facts, names without `ansible_`. */
export function ansibleFacts(inventoryDir: string, host: string): Promise<Record<string, unknown>> {
  const env = { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: 'auto_silent' };
  return new Promise((resolve, reject) => {
    execFile('ansible', ['-i', join(inventoryDir, 'hosts.yml'), host, '-m', 'setup'], { env, cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      try {
        const facts = JSON.parse(stdout.slice(stdout.indexOf('{'))).ansible_facts as Record<string, unknown>;
        resolve(Object.fromEntries(Object.entries(facts).map(([k, v]) => [k.replace(/^ansible_/, ''), v])));
      } catch {
        reject(new Error(`ansible -m setup (${err?.message ?? 'exit 0'}) printed no facts: ${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * What identifies a host, or is made at random when a package installs, rather than what a playbook wrote: left
 * out when two hosts' /etc are compared. ssl-cert's snakeoil pair (and the hash link to it) is a fresh key per
 * host; postfix's aliases.db is a Berkeley DB whose bytes differ from one newaliases to the next.
 */
export const HOST_IDENTITY = ['/etc/hostname', '/etc/hosts', '/etc/machine-id', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_ed25519_key.pub',
  '/etc/ssl/certs/ssl-cert-snakeoil.pem', '/etc/ssl/private/ssl-cert-snakeoil.key', '/etc/aliases.db'];
const LINK_TO_LEFT_OUT = / -> ssl-cert-snakeoil\.pem /;

/**
 * Every file, directory and symlink under `dirs` on a host: path, owner, group, mode, and the sha256 of a file
 * (with the host's own name in it read as HOST: a package writes it into its config, postfix's main.cf) or the
 * target of a link; one line each, sorted, `leaveOut` paths left out. Two hosts that ran the same playbook
 * compare equal only if everything either of them wrote there is the same.
 */
export async function treeOn(ssh: SshConnection, dirs: string[], leaveOut: string[] = HOST_IDENTITY): Promise<string[]> {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = `h=$(hostname); find ${dirs.map(q).join(' ')} -xdev \\( -type f -o -type d -o -type l \\) -print0 2>/dev/null | sort -z | while IFS= read -r -d '' f; do
  if [ -L "$f" ]; then echo "$f -> $(readlink "$f") $(stat -c '%U:%G' "$f")"
  elif [ -d "$f" ]; then echo "$f/ $(stat -c '%U:%G %a' "$f")"
  else echo "$f $(stat -c '%U:%G %a' "$f") $(sed "s/$h/HOST/g" < "$f" | sha256sum | cut -c1-16)"; fi; done`;
  const r = await ssh.exec(`bash -c ${q(script)}`);
  if (r.code !== 0) throw new Error(`${ssh.target.name}: listing ${dirs.join(', ')} exited ${r.code}: ${r.stderr}`);
  const skip = new Set(leaveOut);
  return r.stdout.trimEnd().split('\n').filter((l) => !skip.has(l.split(/ (?:-> )?/)[0].replace(/\/$/, '')) && !LINK_TO_LEFT_OUT.test(l));
}
