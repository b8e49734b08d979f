// A lab shared by the tests of one file: `provision lab up` through the CLI, then ssh2 connections.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { SshConnection } from '../../engine/transport/ssh.ts';
import type { Test } from 'uvu';
import { provision } from './cli.ts';

export type LabHost = { name: string; address: string };

export type TestLab = {
  prefix: string;
  inventory: string;
  hosts: LabHost[];
  key: string;
  knownHosts: string;
  upSeconds: number;
  connect(host: LabHost): Promise<SshConnection>;
  down(): Promise<void>;
};

export async function startLab(prefix: string, count: number, extra: string[] = []): Promise<TestLab> {
  const inventory = mkdtempSync(join(tmpdir(), `provision-${prefix}-`));
  const t0 = performance.now();
  const r = await provision(['lab', 'up', '--count', String(count), '--prefix', prefix, '-i', inventory, ...extra]);
  const upSeconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`lab up failed (${r.code}): ${r.stderr}\n${r.stdout}`);
  const doc = load(readFileSync(join(inventory, 'hosts.yml'), 'utf8')) as {
    all: { vars: Record<string, string>; children: { lab: { hosts: Record<string, { ansible_host: string }> } } };
  };
  const hosts = Object.entries(doc.all.children.lab.hosts).map(([name, v]) => ({ name, address: v.ansible_host }));
  const key = doc.all.vars.ansible_ssh_private_key_file;
  const knownHosts = doc.all.vars.known_hosts;
  return {
    prefix, inventory, hosts, key, knownHosts, upSeconds,
    connect: (h) => SshConnection.connect({ name: h.name, host: h.address, user: 'root', privateKeyPath: key, knownHostsPath: knownHosts }),
    down: async () => {
      const d = await provision(['lab', 'down', '--prefix', prefix]);
      if (d.code !== 0) throw new Error(`lab down failed: ${d.stderr}`);
    },
  };
}

/** Runs a command that must succeed; returns its stdout. */
export async function sh(ssh: SshConnection, command: string): Promise<string> {
  const r = await ssh.exec(command);
  if (r.code !== 0) throw new Error(`${ssh.target.name}: \`${command}\` exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** How many processes of a host run in another PID namespace than its PID 1 (a throwaway view's: none may be left). */
export async function foreignProcesses(ssh: SshConnection): Promise<number> {
  return Number((await sh(ssh, 'h=$(readlink /proc/1/ns/pid); n=0; for d in /proc/[0-9]*; do v=$(readlink $d/ns/pid 2>/dev/null) || continue; [ "$v" = "$h" ] || n=$((n+1)); done; echo $n')).trim());
}

/**
 * One lab for the tests of a file: up (with an ssh2 connection to each host) before the first test,
 * connections closed and the lab down after the last. `ready` receives them.
 */
export function useLab(test: Test, prefix: string, count: number, ready: (lab: TestLab, ssh: SshConnection[]) => void, extra: string[] = []): void {
  let lab: TestLab | undefined;
  let ssh: SshConnection[] = [];
  test.before(async () => {
    lab = await startLab(prefix, count, extra);
    ssh = await Promise.all(lab.hosts.map((h) => lab!.connect(h)));
    ready(lab, ssh);
  });
  test.after(async () => {
    for (const c of ssh) c.close();
    await lab?.down();
  });
}
