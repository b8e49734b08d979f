// `npm run bench`: provision and Ansible side by side on the same fresh lab hosts, in one run, beside the
// floors no tool can beat. Prints one table and writes it as JSON under bench/results/. Never a test.
// Then one of the public roles (test/fixtures/ansible/ROLE.yml, unchanged roles) the same way.
//   tsx bench/run.ts [--sizes 1,10,30] [--role nginx] [--role-hosts 10] [--no-ansible]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchLab, PACKAGES, ROOT, down, freshHosts, packageFloor, sshFloor } from './hosts.ts';
import { type Row, formatTable } from './table.ts';
import { type ToolRun, ansibleApply, ansibleRun, appBundle, ensureAnsible, prepareAnsible, provisionApply, provisionExactCheck, provisionPlaybook, stopControlMasters } from './tools.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1,10,30' }, 'no-ansible': { type: 'boolean', default: false },
  role: { type: 'string', default: 'nginx' }, 'role-hosts': { type: 'string', default: '10' } } });
const sizes = values.sizes!.split(',').map(Number).filter(Boolean);
/** What each role's playbook installs: its package floor installs the same. */
const ROLE_PACKAGES: Record<string, string[]> = { nginx: ['nginx'], haproxy: ['haproxy'], memcached: ['memcached'], redis: ['redis-server'],
  postfix: ['postfix'], logrotate: ['logrotate'] };
const withAnsible = !values['no-ansible'];
if (withAnsible) ensureAnsible();
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const bundle = appBundle();
const prep = withAnsible ? prepareAnsible() : '';
const controlDir = join(tmpdir(), `bench-ansible-cp-${process.pid}`);
/** The droplet's exact check against the first apply on the same hosts, per size. */
const exact: Array<{ hosts: number; exact_s: number; first_s: number; ratio: number; upper_mb_per_host: number; peak_rss_mb: number }> = [];

const started = new Date().toISOString();
const file = join(ROOT, 'bench/results', `${started.slice(0, 19).replaceAll(':', '')}.json`);
function save(rows: Row[]): void {
  const ansibleVersion = withAnsible ? execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0] : null;
  const result = {
    date: started, machine: { cpus: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30) },
    node: process.version, ansible: ansibleVersion,
    floors: { 'no-op': '`ssh HOST true` on every host at once (best of 3)', first: "apt-get update && apt-get install of the playbook's packages over plain ssh, on fresh hosts (the update with droplet.yml's time limit and retries)" },
    rows,
    exact_check: exact,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** The same run twice on the same hosts: first (everything to do), then no-op (nothing to do). */
async function pair(tool: string, run: () => Promise<ToolRun>): Promise<{ first: ToolRun; noop: ToolRun }> {
  log(`  ${tool}: first apply`);
  const first = await run();
  log(`  ${tool}: first ${first.seconds.toFixed(1)} s; no-op apply`);
  const noop = await run();
  if (noop.changed !== 0) throw new Error(`${tool}: the second run changed ${noop.changed} things: not idempotent`);
  log(`  ${tool}: no-op ${noop.seconds.toFixed(1)} s`);
  return { first, noop };
}

try {
  // Warm every cache a first run may fill (image, apt proxy, mirror, npm packs, tsx), untimed.
  log('warm-up on 1 host');
  let lab = freshHosts(1);
  await packageFloor(lab);
  lab = freshHosts(1);
  await provisionApply(lab, bundle);
  if (withAnsible) {
    lab = freshHosts(1);
    await ansibleApply(lab, prep, 1, controlDir).finally(() => stopControlMasters(controlDir));
  }

  /** One playbook on `n` fresh hosts: the floors, then each tool's first run and no-op on hosts of its own. */
  async function rowsFor(n: number, packages: string[], mine: (lab: BenchLab) => Promise<ToolRun>, theirs: (lab: BenchLab) => Promise<ToolRun>,
    playbook?: string): Promise<Row[]> {
    log(`${playbook ?? 'droplet'}, ${n} host(s): floors`);
    lab = freshHosts(n);
    const floor = await sshFloor(lab);
    const pkgFloor = await packageFloor(lab, packages);
    lab = freshHosts(n);
    // The droplet's exact check first, on the very hosts the first apply then converges (it leaves them fresh).
    const ex = playbook === undefined ? await exactCheck(n, lab) : undefined;
    const p = await pair('provision', () => mine(lab));
    if (ex) exact.push({ hosts: n, exact_s: ex.seconds, first_s: p.first.seconds, ratio: Number((ex.seconds / p.first.seconds).toFixed(2)), upper_mb_per_host: Number(ex.upperMb.toFixed(1)), peak_rss_mb: ex.peakRssMb });
    let a: { first: ToolRun; noop: ToolRun } | undefined;
    if (withAnsible) {
      lab = freshHosts(n);
      try {
        a = await pair('ansible', () => theirs(lab));
      } finally {
        stopControlMasters(controlDir);
      }
    }
    return [{ playbook, hosts: n, run: 'no-op', floor, provision: p.noop, ansible: a?.noop },
      { playbook, hosts: n, run: 'first', floor: pkgFloor, provision: p.first, ansible: a?.first }];
  }

  async function exactCheck(n: number, l: BenchLab) {
    log(`  provision: exact check (--check --exact) on the ${n} fresh host(s)`);
    const ex = await provisionExactCheck(l, bundle);
    log(`  provision: exact check ${ex.seconds.toFixed(1)} s, ${ex.upperMb.toFixed(0)} MB in a host's view`);
    return ex;
  }

  const rows: Row[] = [];
  for (const n of sizes) {
    rows.push(...await rowsFor(n, PACKAGES, (l) => provisionApply(l, bundle), (l) => ansibleApply(l, prep, n, controlDir)));
    save(rows); // after every size: a run that fails later keeps what it measured
  }
  if (values.role) {
    // A public role, unchanged, as a user of it runs it: the same fresh hosts for each tool, first run then no-op.
    const role = values.role;
    const n = Number(values['role-hosts']);
    const playbook = join(ROOT, `test/fixtures/ansible/${role}.yml`);
    rows.push(...await rowsFor(n, ROLE_PACKAGES[role] ?? [], (l) => provisionPlaybook(l, playbook), (l) => ansibleRun(l, playbook, [], n, controlDir), `${role} role`));
    save(rows);
  }
  console.log(formatTable(rows));
  for (const e of exact) {
    console.log(`exact check (--check --exact), droplet, ${e.hosts} host(s): ${e.exact_s.toFixed(2)} s against ${e.first_s.toFixed(2)} s for the first apply on the same hosts (${e.ratio}x), ${e.upper_mb_per_host} MB written in a host's view`);
  }
  log(`written ${file}`);
} finally {
  down();
}
