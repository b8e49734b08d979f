// The bench's one table: per playbook, size and run, both tools' seconds, their ratio, the floor, execs and memory.
import type { ToolRun } from './tools.ts';

/** `playbook`: what ran (the droplet when absent; a public role's playbook otherwise). */
export type Row = { hosts: number; run: 'no-op' | 'first'; floor: number; provision: ToolRun; ansible?: ToolRun; playbook?: string };

const HEAD = ['playbook', 'hosts', 'run', 'provision s', 'ansible s', 'ratio', 'floor s', 'x floor', 'execs/host', 'ansible execs/host', 'peak RSS MB', 'ansible RSS MB'];

export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.playbook ?? 'droplet', String(r.hosts), r.run, r.provision.seconds.toFixed(2), r.ansible ? r.ansible.seconds.toFixed(2) : '-',
    r.ansible ? `${(r.ansible.seconds / r.provision.seconds).toFixed(1)}x` : '-', r.floor.toFixed(2),
    `${(r.provision.seconds / r.floor).toFixed(2)}`, String(r.provision.execsPerHost),
    r.ansible ? r.ansible.execsPerHost.toFixed(0) : '-', r.provision.peakRssMb.toFixed(0), r.ansible ? r.ansible.peakRssMb.toFixed(0) : '-',
  ]);
  const width = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i < 3 ? x.padEnd(width[i]) : x.padStart(width[i]))).join(' | ')} |`;
  return [line(HEAD), `|${width.map((w, i) => (i < 3 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...cells.map(line)].join('\n');
}
