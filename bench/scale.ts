// `npm run bench:scale`: does provision's time and memory grow linearly with hosts? Many "hosts" on one lab
// host: an sshd of its own on its own port for each, so every one costs a real connection, handshake and
// batch, as a droplet would. Prints a table and writes JSON under bench/results/. Never a test.
//   tsx bench/scale.ts [--sizes 50,100,200,400]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { ROOT, down, freshHosts, sshOptions } from './hosts.ts';
import { applyMeasured } from './tools.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '50,100,200,400' } } });
const sizes = values.sizes!.split(',').map(Number);
const most = Math.max(...sizes);
const BASE_PORT = 2200;
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

type Row = { hosts: number; first_s: number; noop_s: number; peak_rss_mb: number; noop_execs_per_host: number };

async function applyOnce(inventory: string): Promise<{ seconds: number; peakRssMb: number; execs: number; changed: number }> {
  const r = await applyMeasured(join(ROOT, 'bench/scale/playbook.yml'), inventory);
  return { seconds: r.m.seconds, peakRssMb: r.m.peakRssMb, execs: r.execsPerHost, changed: r.changed };
}

try {
  log(`one lab host with ${most} sshd daemons`);
  const lab = freshHosts(1);
  const host = lab.hosts[0];
  const ssh = (cmd: string) => execFileSync('ssh', [...sshOptions(lab), host.address, cmd], { encoding: 'utf8' });
  // Each daemon: its own port and pid file, the host's own key; at most a few connections at once each.
  ssh(`mkdir -p /run/sshd /run/bench && for i in $(seq 0 ${most - 1}); do /usr/sbin/sshd -p $((${BASE_PORT} + i)) -o PidFile=/run/bench/$i.pid || exit 1; done`);
  const hostKey = readFileSync(lab.knownHosts, 'utf8').split('\n').find((l) => l.startsWith(`${host.address} `))!.slice(host.address.length + 1);
  const rows: Row[] = [];
  for (const n of sizes) {
    ssh('rm -rf /srv/synth');
    const dir = join(ROOT, 'bench/.lab', `scale-${n}`);
    mkdirSync(dir, { recursive: true });
    const names = Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(3, '0')}`);
    writeFileSync(join(dir, 'known_hosts'), names.map((_, i) => `[${host.address}]:${BASE_PORT + i} ${hostKey}\n`).join(''));
    writeFileSync(join(dir, 'hosts.yml'), dump({
      all: {
        vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.key, known_hosts: join(dir, 'known_hosts') },
        hosts: Object.fromEntries(names.map((name, i) => [name, { ansible_host: host.address, ansible_port: BASE_PORT + i }])),
      },
    }));
    log(`${n} hosts: first apply`);
    const first = await applyOnce(dir);
    log(`${n} hosts: first ${first.seconds.toFixed(1)} s; no-op`);
    const noop = await applyOnce(dir);
    if (noop.changed) throw new Error(`no-op run changed ${noop.changed}`);
    rows.push({ hosts: n, first_s: first.seconds, noop_s: noop.seconds, peak_rss_mb: Math.max(first.peakRssMb, noop.peakRssMb), noop_execs_per_host: noop.execs });
  }
  const lines = ['| hosts | first apply s | no-op s | ms per host (first / no-op) | controller peak RSS MB | KB per host (over the smallest) |', '|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const perHostKb = r === rows[0] ? '-' : (((r.peak_rss_mb - rows[0].peak_rss_mb) * 1024) / (r.hosts - rows[0].hosts)).toFixed(0);
    lines.push(`| ${r.hosts} | ${r.first_s.toFixed(2)} | ${r.noop_s.toFixed(2)} | ${((r.first_s * 1000) / r.hosts).toFixed(0)} / ${((r.noop_s * 1000) / r.hosts).toFixed(0)} | ${r.peak_rss_mb.toFixed(0)} | ${perHostKb} |`);
  }
  console.log(lines.join('\n'));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `scale-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
  log(`written ${file}`);
} finally {
  down();
}
