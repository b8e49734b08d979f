// `provision apply ... --json` as a child process, its report parsed.
import { provision } from './cli.ts';

export type ReportTask = { task: string; module?: string; status: string; changes: string[]; diff?: string; error?: string; msg?: string; ignored?: boolean; rescued?: boolean; ran_on?: string;
  view?: { files: Array<{ path: string; change: string }>; intents: string[]; left: string[]; diffs?: Array<{ path: string; diff: string }> } };
export type Report = {
  check: boolean;
  hosts: Record<string, { ok: number; changed: number; failed: number; ignored: number; rescued: number; conditional: number; unreachable: boolean;
    remote_execs: number; fact_execs: number; error?: string; tasks: ReportTask[]; view?: { seconds?: number; upper_bytes?: number; fallback?: string } }>;
};

export async function applyJson(args: string[], inventory: string): Promise<{ code: number; report: Report; raw: string }> {
  const r = await provision(['apply', ...args, '-i', inventory, '--json']);
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as Report, raw: r.stdout + r.stderr };
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}
