// Running a task's steps on its host: all of them and the facts to read after them in one exec (a step at a
// time when the batch would be too long for one command line). What happened is returned, not kept.
import type { Become } from './become.ts';
import { parseFacts } from './gather.ts';
import type { FactDef, Step } from './module.ts';
import { splitSteps, stepBatch } from './step-batch.ts';
import { stepCommand } from './steps.ts';
import type { StepOutput } from './register.ts';
import type { Stdin } from './transport/ssh.ts';

export type RunCommand = (command: string, stdin?: Stdin) => Promise<{ code: number; stdout: string; stderr: string }>;

export type StepsOutcome = {
  /** The last step that ran: what it printed and its exit code. */
  output?: StepOutput;
  /** The step that failed, its exit code, and the end of what it printed. */
  failed?: { label: string; code: number; why: string };
  /** The facts read after the steps, when they all succeeded in one batch. */
  facts?: Map<string, unknown>;
};

const why = (r: { stdout: string; stderr: string }) => (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');

/** Runs `steps` in order, stopping at the first failure, then reads `facts` in the same exec. */
export async function runSteps(exec: RunCommand, steps: Step[], facts: FactDef[], become: Become): Promise<StepsOutcome> {
  const batch = stepBatch(steps, facts, become);
  if (!batch) {
    // Too long for one command line: a step per exec; the facts are left for their own batch.
    let output: StepOutput | undefined;
    for (const step of steps) {
      const cmd = stepCommand(step, become);
      const r = await exec(cmd.command, cmd.stdin);
      output = { rc: r.code, stdout: r.stdout, stderr: r.stderr };
      if (!cmd.okCodes.includes(r.code)) return { output, failed: { label: cmd.label, code: r.code, why: why(r) } };
    }
    return { output };
  }
  const r = await exec(batch.command, batch.stdin);
  const results = splitSteps(batch, r.stdout, r.stderr, r.code);
  const last = results.at(-1);
  const output = last && { rc: last.code, stdout: last.stdout, stderr: last.stderr };
  if (last && !last.ok) return { output, failed: { label: last.label, code: last.code, why: why(last) } };
  return { output, facts: batch.facts.length ? parseFacts(batch.facts, r.stdout, batch.factBoundary) : undefined };
}
