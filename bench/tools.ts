// The two tools under test, run the same way: a whole process, timed, its process tree's memory sampled.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appBundle as buildAppBundle } from '../lab/app-bundle.ts';
import { npmPack } from '../modules/npm/pack.ts';
import { type BenchLab, ROOT } from './hosts.ts';
import { measure, pidsMatching } from './measure.ts';

export type ToolRun = { seconds: number; peakRssMb: number; execsPerHost: number; changed: number; failed: number };

/** The test app's bundle, the same bytes the demo deploys (lab/app-bundle.ts: the fixture plus fibers@1.0.1). */
export function appBundle(): string {
  return buildAppBundle(npmPack).tarball;
}

export const VARS = (bundle: string) => ['-e', `@${join(ROOT, 'playbooks/lab-vars.yml')}`, '-e', `app_bundle=${bundle}`];

export type ApplyReport = {
  duration_s: number;
  hosts: Record<string, { changed: number; failed: number; conditional: number; unreachable: boolean; remote_execs: number; connect_ms: number;
    tasks: Array<{ task: string; status: string; ms: number }>; view?: { seconds?: number; upper_bytes?: number; fallback?: string } }>;
};

/** One `provision apply PLAYBOOK -i INVENTORY ... --json` as a whole process, measured; fails unless every host converged. */
export async function applyMeasured(playbook: string, inventory: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  // Run as users run it (`provision`, `npx provision`): the executable, so its #! line's node flags apply.
  const m = await measure(join(ROOT, 'bin/provision.js'), ['apply', playbook, '-i', inventory, ...extra, '--json'], { cwd: ROOT, env });
  let report: ApplyReport;
  try {
    report = JSON.parse(m.stdout);
  } catch {
    throw new Error(`provision printed no report (exit ${m.code}): ${m.stderr.slice(-2000)}`);
  }
  const hosts = Object.values(report.hosts);
  if (m.code !== 0 || hosts.some((h) => h.failed || h.unreachable)) throw new Error(`provision apply failed (exit ${m.code}): ${m.stdout.slice(-3000)}`);
  return {
    m, report,
    execsPerHost: Math.max(...hosts.map((h) => h.remote_execs)),
    changed: hosts.reduce((n, h) => n + h.changed, 0),
  };
}

/** The exact check of the droplet (`--check --exact`) on every host: its time, and the most one host's view held. */
export async function provisionExactCheck(lab: BenchLab, bundle: string): Promise<{ seconds: number; upperMb: number; peakRssMb: number }> {
  const r = await applyMeasured(join(ROOT, 'playbooks/droplet.yml'), lab.inventory, [...VARS(bundle), '--check', '--exact']);
  const hosts = Object.values(r.report.hosts);
  const bad = hosts.filter((h) => h.conditional || h.view?.fallback || h.view?.upper_bytes === undefined);
  if (bad.length) throw new Error(`the exact check did not run in a view, or left tasks conditional: ${JSON.stringify(bad.map((h) => h.view))}`);
  return { seconds: r.m.seconds, peakRssMb: r.m.peakRssMb, upperMb: Math.max(...hosts.map((h) => h.view!.upper_bytes!)) / 1e6 };
}

export async function provisionApply(lab: BenchLab, bundle: string): Promise<ToolRun> {
  return provisionPlaybook(lab, join(ROOT, 'playbooks/droplet.yml'), VARS(bundle));
}

/** `provision apply PLAYBOOK` on every host of the lab, measured. */
export async function provisionPlaybook(lab: BenchLab, playbook: string, extra: string[] = []): Promise<ToolRun> {
  const r = await applyMeasured(playbook, lab.inventory, extra);
  return { seconds: r.m.seconds, peakRssMb: r.m.peakRssMb, execsPerHost: r.execsPerHost, changed: r.changed, failed: 0 };
}

/** ssh, scp and sftp as Ansible finds them on PATH, each call counted: Ansible's remote execs and transfers. */
function countingPath(): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ssh-'));
  const log = join(dir, 'calls');
  writeFileSync(log, '');
  for (const tool of ['ssh', 'scp', 'sftp']) {
    writeFileSync(join(dir, tool), `#!/bin/sh\necho ${tool} >> ${log}\nexec /usr/bin/${tool} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  return { dir, log };
}

/** Installs ansible-core from Debian's packages when missing (not its recommended collections). */
export function ensureAnsible(): void {
  if (existsSync('/usr/bin/ansible-playbook')) return;
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'ansible-core'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** bench/ansible/prepare.sh: the bundle and the npm packs as the Ansible playbook takes them (untimed). */
export function prepareAnsible(): string {
  const out = join(process.env.PROVISION_CACHE_DIR ?? '/var/cache/provision', 'bench', 'ansible');
  execFileSync('sh', [join(ROOT, 'bench/ansible/prepare.sh'), out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/**
 * One ansible-playbook run, as bench/ansible/run.sh runs it. Its ControlPersist masters (one per host, kept
 * for 60 s) are counted in its memory: they live in a directory of this bench run, found by that name.
 */
export async function ansibleApply(lab: BenchLab, prep: string, forks: number, controlDir: string): Promise<ToolRun> {
  return ansibleRun(lab, join(ROOT, 'bench/ansible/droplet.yml'), ['-e', `@${join(ROOT, 'playbooks/lab-vars.yml')}`,
    '-e', `app_bundle=${join(prep, 'pegleg.tar.gz')}`, '-e', `@${join(prep, 'npm-packs.yml')}`], forks, controlDir);
}

/** One ansible-playbook run of PLAYBOOK on every host of the lab, measured as ansibleApply's. */
export async function ansibleRun(lab: BenchLab, playbook: string, extra: string[], forks: number, controlDir: string): Promise<ToolRun> {
  const counting = countingPath();
  mkdirSync(controlDir, { recursive: true });
  const m = await measure('ansible-playbook', ['-i', join(lab.inventory, 'hosts.yml'), playbook, '-f', String(forks), ...extra], {
    cwd: ROOT,
    marker: controlDir,
    env: {
      PATH: `${counting.dir}:${process.env.PATH}`,
      ANSIBLE_CONFIG: join(ROOT, 'bench/ansible/ansible.cfg'),
      ANSIBLE_SSH_COMMON_ARGS: `-o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes`,
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      ANSIBLE_NOCOLOR: '1',
    },
  });
  const recap = [...m.stdout.matchAll(/^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)];
  if (m.code !== 0 || recap.length !== lab.hosts.length || recap.some((r) => r[4] !== '0' || r[5] !== '0')) {
    throw new Error(`ansible-playbook failed (exit ${m.code}): ${m.stdout.slice(-3000)}${m.stderr.slice(-1000)}`);
  }
  const calls = readFileSync(counting.log, 'utf8').split('\n').filter(Boolean).length;
  return {
    seconds: m.seconds, peakRssMb: m.peakRssMb, execsPerHost: calls / lab.hosts.length,
    changed: recap.reduce((n, r) => n + Number(r[3]), 0), failed: 0,
  };
}

/** Stops, by PID, the ControlPersist masters Ansible left in `controlDir`. */
export function stopControlMasters(controlDir: string): void {
  for (const pid of pidsMatching(controlDir)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch { /* already gone */ }
  }
}
