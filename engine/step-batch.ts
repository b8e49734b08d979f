// Many steps, and the fact batch that follows them, in ONE remote exec: a changed task costs one round trip.
// The script is the exec's command line; the steps' stdin payloads follow one another on its stdin, each
// cut off by `head -c` into a temp file, so a step that reads less than its payload cannot shift the next.
import { randomBytes } from 'node:crypto';
import type { FactDef, Step } from './module.ts';
import { batchScript, uniqueFacts } from './gather.ts';
import { shq } from './shell.ts';
import { type Become, asUser } from './become.ts';
import { innerCommand } from './steps.ts';

/** Above this, a command line may exceed Linux's 128 KiB limit on one argument: run step by step instead. */
export const MAX_SCRIPT = 96 * 1024;

export type StepBatch = { command: string; stdin: Buffer[]; labels: string[]; okCodes: number[][]; boundary: string; factBoundary: string; facts: FactDef[] };
export type StepResult = { code: number; stdout: string; stderr: string; label: string; ok: boolean };

/** The one command (and its stdin) that runs `steps` in order, stopping at the first failure, then reads `facts`. */
export function stepBatch(steps: Step[], wanted: FactDef[], become: Become): StepBatch | undefined {
  const facts = uniqueFacts(wanted);
  const boundary = `@@provision-step-${randomBytes(8).toString('hex')}`;
  const factBoundary = `@@provision-${randomBytes(8).toString('hex')}`;
  const payloads: Buffer[] = [];
  // The signals a dropped session brings (SIGPIPE on the next write, SIGHUP) end the script through exit, so the EXIT trap runs.
  const lines = ['t=$(mktemp) || exit 97', `trap 'rm -f "$t"' EXIT`, "trap 'exit 129' HUP INT TERM PIPE"];
  const labels: string[] = [];
  const okCodes: number[][] = [];
  steps.forEach((step, i) => {
    const c = innerCommand(step);
    labels.push(c.label);
    okCodes.push(c.okCodes);
    if (c.stdin !== undefined) {
      const bytes = Buffer.isBuffer(c.stdin) ? c.stdin : Buffer.from(c.stdin, 'utf8');
      payloads.push(bytes);
      // A payload cut short (the input ended early) stops the batch before its step runs.
      lines.push(`head -c ${bytes.length} > "$t"`, `[ "$(wc -c < "$t")" -eq ${bytes.length} ] || { echo 'its input arrived cut short: not run' >&2; exit 96; }`, `( ${c.command}\n) < "$t"; rc=$?`);
    } else {
      lines.push(`( ${c.command}\n) < /dev/null; rc=$?`);
    }
    lines.push(
      `printf '\\n%s %s\\n' '${boundary} ${i}' "$rc"`,
      `printf '\\n%s\\n' '${boundary} ${i}' >&2`,
      `case ' ${c.okCodes.join(' ')} ' in *" $rc "*) ;; *) exit 0 ;; esac`,
    );
  });
  if (facts.length) lines.push(`( ${batchScript(facts, factBoundary)}\n) < /dev/null`);
  lines.push('exit 0');
  const { command, stdin } = asUser(`sh -c ${shq(lines.join('\n'))}`, become, payloads);
  if (command.length > MAX_SCRIPT) return undefined;
  return { command, stdin, labels, okCodes, boundary, factBoundary, facts };
}

/** Each step that ran, in order, with its own output; the last one is the failed one when not ok. */
export function splitSteps(b: StepBatch, stdout: string, stderr: string, code: number): StepResult[] {
  const res: StepResult[] = [];
  let outAt = 0;
  let errAt = 0;
  for (let i = 0; i < b.labels.length; i++) {
    const mark = `\n${b.boundary} ${i} `;
    const at = stdout.indexOf(mark, outAt);
    if (at < 0) {
      // No result line: the step did not run to its end (the batch itself failed, or the connection went).
      if (i === 0 || res[i - 1]?.ok) {
        res.push({ code: code || -1, stdout: stdout.slice(outAt), stderr: stderr.slice(errAt), label: b.labels[i], ok: false });
      }
      return res;
    }
    const eol = stdout.indexOf('\n', at + mark.length);
    const rc = Number(stdout.slice(at + mark.length, eol));
    const errMark = stderr.indexOf(`\n${b.boundary} ${i}\n`, errAt);
    const stepErr = errMark < 0 ? stderr.slice(errAt) : stderr.slice(errAt, errMark);
    res.push({ code: rc, stdout: stdout.slice(outAt, at), stderr: stepErr, label: b.labels[i], ok: b.okCodes[i].includes(rc) });
    outAt = eol + 1;
    errAt = errMark < 0 ? stderr.length : errMark + `\n${b.boundary} ${i}\n`.length;
  }
  return res;
}
