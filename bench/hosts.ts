// The bench's hosts: fresh lab hosts on demand, and the floors measured on them over plain OpenSSH.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { measure, type Measured } from './measure.ts';
import { updateStep } from '../modules/apt.ts';
import { shq } from '../engine/shell.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const INVENTORY = join(ROOT, 'bench', '.lab');
const PREFIX = 'bench';
/** What the droplet's first task installs: the package floor installs the same, the same way. */
export const PACKAGES = ['nginx', 'haproxy', 'ufw', 'curl', 'ca-certificates'];
/** droplet.yml's update_cache_timeout. */
const UPDATE_TIMEOUT = 120;

export type BenchHost = { name: string; address: string };
export type BenchLab = { hosts: BenchHost[]; key: string; knownHosts: string; inventory: string };

const provision = (args: string[]) => execFileSync(join(ROOT, 'bin', 'provision.js'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });

/** N freshly started lab hosts (the previous bench hosts are removed first), package lists empty as the image has them. */
export function freshHosts(n: number): BenchLab {
  down();
  provision(['lab', 'up', '--count', String(n), '--prefix', PREFIX, '-i', INVENTORY, '--quiet']);
  const doc = load(readFileSync(join(INVENTORY, 'hosts.yml'), 'utf8')) as {
    all: { vars: Record<string, string>; children: { lab: { hosts: Record<string, { ansible_host: string }> } } };
  };
  const hosts = Object.entries(doc.all.children.lab.hosts).map(([name, v]) => ({ name, address: v.ansible_host }));
  return { hosts, key: doc.all.vars.ansible_ssh_private_key_file, knownHosts: doc.all.vars.known_hosts, inventory: INVENTORY };
}

export function down(): void {
  provision(['lab', 'down', '--prefix', PREFIX]);
}

export const sshOptions = (lab: BenchLab) => ['-i', lab.key, '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
  '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-l', 'root'];

/** One `ssh HOST command` per host, all at once (a shell's `&` and `wait`): wall time and memory of the lot. */
export async function sshAll(lab: BenchLab, command: string): Promise<Measured> {
  const opts = sshOptions(lab).map(shq).join(' ');
  const script = [
    'fail=0',
    ...lab.hosts.map((h) => `ssh ${opts} ${h.address} ${shq(command)} >/dev/null 2>&1 & p_${h.name.replace(/\W/g, '_')}=$!`),
    ...lab.hosts.map((h) => `wait $p_${h.name.replace(/\W/g, '_')} || fail=1`),
    'exit $fail',
  ].join('\n');
  const m = await measure('sh', ['-c', script]);
  if (m.code !== 0) throw new Error(`ssh ${command.slice(0, 200)}: failed on some host`);
  return m;
}

/** The floor of any run: `ssh HOST true` on every host at once; the best of three. */
export async function sshFloor(lab: BenchLab): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push((await sshAll(lab, 'true')).seconds);
  return Math.min(...runs);
}

/**
 * The package floor: `apt-get update && apt-get install` of the droplet's packages over plain ssh, on every
 * host at once. The update is the apt module's own command, time limit and retries included (droplet.yml's).
 */
export async function packageFloor(lab: BenchLab, packages = PACKAGES): Promise<number> {
  const update = updateStep({ update_cache_timeout: UPDATE_TIMEOUT }).map(shq).join(' ');
  const cmd = `export DEBIAN_FRONTEND=noninteractive; ${update} >/dev/null && apt-get -q -y install ${packages.join(' ')}`;
  return (await sshAll(lab, cmd)).seconds;
}
