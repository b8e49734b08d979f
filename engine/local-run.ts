// The modules that run on this machine alone (debug, set_fact, assert, fail, pause, include_vars): what they came
// to, the variables they set, and include_vars' files found as Ansible finds them.
import type { HostVars } from './host-vars.ts';
import type { ItemOutcome } from './item-outcome.ts';
import type { ModuleDef } from './module.ts';
import { sensitiveValues } from './redact.ts';
import type { Tripwire } from './register.ts';
import { conditionsHold } from './task-rules.ts';
import { evaluate } from './vars/template.ts';
import { findVarsFile, readVarsText } from './vars/vars-file.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A module that runs on this machine alone (debug, set_fact, assert, fail, pause): its result, and the variables
 * it sets (with registered results: over play and task vars). In --check, one that read what check mode cannot
 * know is conditional, even where the module would have made do without it.
 */
export async function runLocal(mod: ModuleDef, args: Record<string, unknown>, vars: Record<string, unknown>, wire: Tripwire, hostVars: HostVars,
  secrets: string[]): Promise<ItemOutcome> {
  const r = mod.local!(args, { evaluate: (e) => evaluate(e, vars), holds: (c) => conditionsHold([c], vars), readVars: (name) => readVars(name, vars, secrets) });
  if (wire.reads.length) throw new Error('it read values check mode cannot know');
  if (r.waitMs) await sleep(r.waitMs);
  hostVars.assign(r.sets ?? {});
  return r.status === 'failed' ? { status: 'failed', error: r.msg ?? 'failed', result: r.result } : { status: r.status, msg: r.msg, result: r.result };
}

/** A vars file of include_vars, found as Ansible finds it; a vault file's values are masked from then on. */
function readVars(name: string, vars: Record<string, unknown>, secrets: string[]): { vars: Record<string, unknown>; file: string } {
  const roots = [vars.role_path, vars.playbook_dir].filter(Boolean).map(String);
  const file = findVarsFile(name, roots);
  const read = readVarsText(file);
  secrets.push(...sensitiveValues(read.vars));
  return { vars: read.vars, file };
}

