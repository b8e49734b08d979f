// SIGINT during apply: stop sending work, close every connection (a step cut short leaves nothing
// half-written: writes check what arrived), then say per host what ran and what did not. A second
// SIGINT ends the process at once, as node does by default.
import type { PlayDef } from './playbook/parse.ts';
import type { HostSummary } from './report/report.ts';

export const INTERRUPTED_EXIT = 130;

export class Interrupt {
  fired = false;
  private conns = new Set<{ close(): void }>();
  private readonly onSignal = () => {
    if (this.fired) {
      process.stderr.write('interrupted twice: stopping now\n');
      process.exit(INTERRUPTED_EXIT);
    }
    this.fired = true;
    this.out('interrupted: stopping every host; a step already running on a host ends there or is cut short, nothing is left half-written');
    for (const c of this.conns) c.close();
  };

  constructor(private out: (line: string) => void) {
    // `on`, not `once`: on a terminal, listr2's cursor handling (signal-exit) re-raises SIGINT, killing the
    // process, when it finds no listener but its own, and `once` has removed this one by then.
    process.on('SIGINT', this.onSignal);
  }

  track(conn: { close(): void }): void {
    this.conns.add(conn);
  }

  untrack(conn: { close(): void }): void {
    this.conns.delete(conn);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
  }

  /** Per host: the tasks that ran, and the tasks of its plays that did not (the one cut short among them). */
  report(summaries: Record<string, HostSummary>, plays: PlayDef[], hostsOf: (p: PlayDef) => string[]): string[] {
    return Object.entries(summaries).map(([host, s]) => {
      const ran = s.tasks.filter((t) => t.status !== 'failed').map((t) => t.task);
      const planned = plays.filter((p) => hostsOf(p).includes(host)).flatMap((p) => p.tasks.map((t) => t.name));
      const left = [...planned];
      for (const name of ran) left.splice(left.indexOf(name), left.includes(name) ? 1 : 0);
      return `interrupted ${host}: ran ${ran.length ? ran.map((n) => `"${n}"`).join(', ') : 'nothing'}; ` +
        `did not run ${left.length ? left.map((n) => `"${n}"`).join(', ') : 'nothing'}`;
    });
  }
}
