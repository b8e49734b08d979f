// Progress of `provision load`, step by step. On a terminal each step is a listr2 line with a spinner
// and, while load runs, the seconds gone and req/s of the last second; elsewhere (a pipe, CI, --json)
// plain lines: the step as it starts, and what it found when it ends.
import { Listr } from 'listr2';

export interface Progress {
  /** Runs `fn`, shown as `title` while it runs and as `done(result)` after; `update` says how far it got. */
  step<T>(title: string, fn: (update: (text: string) => void) => Promise<T>, done: (result: T) => string): Promise<T>;
  line(text: string): void;
}

export function plainProgress(write: (text: string) => void): Progress {
  return {
    async step(title, fn, done) {
      write(title);
      const r = await fn(() => {});
      write(done(r));
      return r;
    },
    line: write,
  };
}

export function terminalProgress(): Progress {
  return {
    async step(title, fn, done) {
      let result: Awaited<ReturnType<typeof fn>> | undefined;
      // provision load's own SIGINT handler stops the load and restores the count: listr2 must not exit on Ctrl-C.
      await new Listr([{
        title,
        task: async (_ctx: unknown, t: { title: string; output: string }) => {
          result = await fn((text) => { t.output = text; });
          t.title = done(result);
        },
      }], { registerSignalListeners: false, rendererOptions: { collapseErrors: false } }).run();
      return result!;
    },
    line: (text) => process.stdout.write(`${text}\n`),
  };
}
