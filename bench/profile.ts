// `npm run bench:profile`: where a droplet run's seconds go, on N fresh lab hosts (default 30): the first
// apply by task, then a no-op apply split into start-up, connections and the fact batch, fact by fact
// (PROVISION_PROFILE). Prints markdown tables for the README. Never a test.
//   tsx bench/profile.ts [--hosts 30]
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, down, freshHosts, type BenchLab } from './hosts.ts';
import { VARS, appBundle, applyMeasured } from './tools.ts';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '30' } } });
const n = Number(values.hosts);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1], sum: s.reduce((a, b) => a + b, 0) };
};

const apply = (lab: BenchLab, bundle: string, profile?: string) =>
  applyMeasured(join(ROOT, 'playbooks/droplet.yml'), lab.inventory, VARS(bundle), profile ? { PROVISION_PROFILE: profile } : {});

try {
  const bundle = appBundle();
  const lab = freshHosts(n);
  const first = await apply(lab, bundle);
  console.log(`## First apply, ${n} hosts: ${first.m.seconds.toFixed(1)} s\n\n| task | median ms | max ms |\n|:--|--:|--:|`);
  const tasks = Object.values(first.report.hosts)[0].tasks.map((t) => t.task);
  for (const task of tasks) {
    const st = stats(Object.values(first.report.hosts).map((h) => h.tasks.find((t) => t.task === task)!.ms));
    console.log(`| ${task} | ${st.median} | ${st.max} |`);
  }
  const file = join(tmpdir(), `provision-profile-${process.pid}.jsonl`);
  const noop = await apply(lab, bundle, file);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { host: string; key: string; ms: number });
  rmSync(file, { force: true });
  const hosts = Object.values(noop.report.hosts);
  const connect = stats(hosts.map((h) => h.connect_ms));
  const batch = stats(lines.filter((l) => l.key.startsWith('(whole')).map((l) => l.ms));
  console.log(`\n## No-op apply, ${n} hosts: ${noop.m.seconds.toFixed(2)} s (the run itself ${noop.report.duration_s.toFixed(2)} s; start-up, loading and validating before it)\n`);
  console.log('| part | median ms | max ms |\n|:--|--:|--:|');
  console.log(`| connect (TCP, key exchange, auth), per host | ${connect.median} | ${connect.max} |`);
  console.log(`| the fact batch, round trip, per host | ${batch.median} | ${batch.max} |`);
  console.log('\n| fact | median ms on a host | sum over hosts ms |\n|:--|--:|--:|');
  const keys = [...new Set(lines.filter((l) => !l.key.startsWith('(whole')).map((l) => l.key))];
  const rows = keys.map((k) => ({ k, ...stats(lines.filter((l) => l.key === k).map((l) => l.ms)) })).sort((a, b) => b.sum - a.sum);
  for (const r of rows.slice(0, 12)) console.log(`| ${r.k} | ${r.median} | ${r.sum} |`);
} finally {
  down();
}
