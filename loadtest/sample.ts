// The target host's CPU and memory while it is under load, read from /proc over the run's own SSH
// connection (one short exec a second, no agent on the host).
//
// A machine (a droplet, a VM) is read whole: the busy share of /proc/stat and MemTotal - MemAvailable.
// A container (the lab's systemd-nspawn hosts, docker) sees its host's /proc/stat and /proc/meminfo,
// which would count the load generator and every other guest too, so there the CPU time and the
// proportional memory (Pss) of its own processes are summed instead: utime+stime of each process plus
// cutime+cstime of the children it reaped, so a process that ends between two samples still counts.
import type { Conn } from '../engine/transport/conn.ts';

export const SAMPLE_SCRIPT = `
if [ -e /run/systemd/container ] || [ -e /.dockerenv ]; then
  echo kind container
  # Fields after "PID (comm) ": state is $1, utime $12, stime $13, cutime $14, cstime $15.
  cat /proc/[0-9]*/stat 2>/dev/null | sed 's/.*) //' | awk '{t += $12 + $13 + $14 + $15} END {print "ticks", t + 0}'
  cat /proc/[0-9]*/smaps_rollup 2>/dev/null | awk '/^Pss:/ {k += $2} END {print "memkb", k + 0}'
else
  echo kind machine
  head -n 1 /proc/stat
  awk '/^MemTotal:/ {t = $2} /^MemAvailable:/ {a = $2} END {print "memkb", t - a}' /proc/meminfo
fi
echo ncpu "$(nproc)"
echo hz "$(getconf CLK_TCK)"
echo uptime "$(cut -d ' ' -f 1 /proc/uptime)"
`;

export type Sample = {
  kind: 'container' | 'machine';
  /** CPU time used so far, in clock ticks (container: its processes; machine: all CPUs' busy time). */
  busy: number;
  /** Machine: all CPUs' time (busy + idle) in ticks. Container: undefined (wall time x CPUs instead). */
  total?: number;
  memKb: number;
  ncpu: number;
  hz: number;
  uptimeS: number;
};

/** Parses one run of SAMPLE_SCRIPT; throws on output it does not know (a host without /proc). */
export function parseSample(text: string): Sample {
  const fields = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key) fields.set(key, rest);
  }
  const num = (key: string, i = 0) => {
    const v = Number(fields.get(key)?.[i]);
    if (!Number.isFinite(v)) throw new Error(`cannot read the host's CPU and memory (no ${key} in ${JSON.stringify(text.slice(0, 200))})`);
    return v;
  };
  const kind = fields.get('kind')?.[0];
  const common = { memKb: num('memkb'), ncpu: Math.max(1, num('ncpu')), hz: num('hz') || 100, uptimeS: num('uptime') };
  if (kind === 'container') return { kind, busy: num('ticks'), ...common };
  if (kind !== 'machine') throw new Error(`cannot read the host's CPU and memory (${JSON.stringify(text.slice(0, 200))})`);
  // cpu user nice system idle iowait irq softirq steal ...
  const cpu = (fields.get('cpu') ?? []).map(Number);
  if (cpu.length < 4 || cpu.some((v) => !Number.isFinite(v))) throw new Error('cannot read /proc/stat on the host');
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
  const busy = user + nice + system + irq + softirq + steal;
  return { kind, busy, total: busy + idle + iowait, ...common };
}

/** The CPU used between two samples, in percent of all the host's CPUs (0-100). */
export function cpuPercent(a: Sample, b: Sample): number {
  if (a.total !== undefined && b.total !== undefined) {
    const dt = b.total - a.total;
    return dt > 0 ? Math.min(100, Math.max(0, ((b.busy - a.busy) / dt) * 100)) : 0;
  }
  const wall = b.uptimeS - a.uptimeS;
  if (wall <= 0) return 0;
  return Math.min(100, Math.max(0, ((b.busy - a.busy) / b.hz / wall / b.ncpu) * 100));
}

export type Usage = { cpu: number; memMb: number; ncpu: number };

/** Samples a host every `everyMs` until stopped: mean CPU over the whole span, peak memory. */
export class Sampler {
  private samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();
  private error?: Error;

  constructor(private conn: Conn, private everyMs = 1000) {}

  private take(): Promise<void> {
    this.pending = this.pending.then(async () => {
      const r = await this.conn.exec('sh -s', { stdin: SAMPLE_SCRIPT });
      if (r.code !== 0) throw new Error(`reading the host's CPU and memory failed (exit ${r.code}): ${r.stderr.trim()}`);
      this.samples.push(parseSample(r.stdout));
    }).catch((err: Error) => { this.error ??= err; });
    return this.pending;
  }

  async start(): Promise<void> {
    await this.take();
    this.timer = setInterval(() => void this.take(), this.everyMs);
  }

  async stop(): Promise<Usage> {
    clearInterval(this.timer);
    await this.take();
    if (this.error) throw this.error;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return {
      cpu: Math.round(cpuPercent(first, last)),
      memMb: Math.round(Math.max(...this.samples.map((s) => s.memKb)) / 1024),
      ncpu: last.ncpu,
    };
  }
}
