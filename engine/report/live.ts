// The live view on a terminal (listr2): a line per host showing the task it is on; the recap follows.
import { Listr } from 'listr2';
import type { TaskResult } from '../results.ts';
import type { HostSummary } from './report.ts';

export async function liveView(hosts: string[], forks: number,
  runHost: (host: string, progress: (r: TaskResult) => void) => Promise<HostSummary>): Promise<void> {
  const list = new Listr(hosts.map((host) => ({
    title: host,
    task: async (_ctx: unknown, t: { title: string; output: string }) => {
      let done = 0;
      const s = await runHost(host, (r) => {
        done++;
        t.output = `${r.status} ${r.task}`;
        t.title = `${host} (${done} tasks)`;
      });
      t.title = `${host}: ok=${s.ok} changed=${s.changed} failed=${s.failed}${s.unreachable ? ' unreachable' : ''}`;
      if (s.unreachable || s.failed || s.error) throw new Error(t.title);
    },
  })), {
    concurrent: forks, exitOnError: false, rendererOptions: { collapseErrors: false },
    // Ctrl-C belongs to apply's own handler (engine/interrupt.ts: hosts stopped cleanly, what ran reported,
    // exit 130); listr2's would exit 127 at once.
    registerSignalListeners: false,
  });
  await list.run();
}
