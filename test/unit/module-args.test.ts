// Every module argument that reaches a remote command travels as data, never as shell text: each string of
// every fixture case's arguments (test/fixtures/modules) is replaced by a hostile canary, the module plans,
// and the canary may then appear only whole-word-quoted: as an argv word, an env value, a cwd, a written
// file's path or content. It must never appear raw inside a script: a fact's script, a `shell` step, or the
// script of `sh -c`. (shq quotes a `'` as `'\''`, so a quoted canary never contains itself raw.)
// arg-transport.test.ts shows on a real host that those words, values, paths and contents arrive unchanged.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Change, FactDef, ModuleDef, PlanContext, Step } from '../../engine/module.ts';
import { planTask } from '../../engine/plan.ts';
import { modules } from '../../modules/index.ts';
import { validate } from '../../engine/validate.ts';
import { ANSIBLE_SCHEMA } from '../../engine/yaml/schema.ts';

const root = new URL('../fixtures/modules/', import.meta.url).pathname;
/** Two canaries: one with a newline, one without (schemas refuse newlines in a line or a path). */
const CANARIES = ["c4n'ary\"$(touch /tmp/pwn)`id`;\nx", "c4n'ary\"$(touch /tmp/pwn)`id`; x"];
let CANARY = CANARIES[0];
/** Arguments whose purpose is to be a command: the canary may be shell text there. */
const COMMANDS = new Set(['command:shell', 'shell:cmd', 'template:validate', 'copy:validate', 'lineinfile:validate']);

type Case = { args: unknown; facts?: Record<string, unknown>; local?: Record<string, string>; packs?: Record<string, unknown>; ssh_port?: number };

/** Every path to a string leaf of a value. */
function leaves(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v === 'string') return [at];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...at, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
  return [];
}
function setAt(v: unknown, at: Array<string | number>, value: string): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[at.at(-1)!] = value;
  return copy;
}

/** Plans with the fixture's facts, matched to the facts the changed arguments ask for by their position. */
function plan(mod: ModuleDef, c: Case, args: unknown): { facts: FactDef[]; changes: Change[] } | undefined {
  if (validate(mod.schema, args).length) return undefined; // refused by the schema: nothing runs
  const ctx: PlanContext = {
    host: 'fixture', connection: { user: 'root', port: c.ssh_port ?? 22 }, runAs: 'root',
    readLocal: (p) => Buffer.from(c.local?.[p] ?? c.local?.[Object.keys(c.local ?? {})[0]] ?? ''),
    localMode: () => '0640',
    render: () => `rendered ${CANARY}`,
    npmPack: () => { throw new Error('no pack'); },
  };
  const original = mod.facts(c.args, ctx).map((f) => f.key);
  const facts = mod.facts(args, ctx);
  try {
    // Planned as the engine plans (planTask): each fact the changed arguments declare, read from the fixture's
    // fact at the same position in the original arguments' list.
    const changes = planTask(mod, args, ctx, {
      has: () => true,
      get: (key) => c.facts?.[original[facts.findIndex((f) => f.key === key)] ?? key],
    });
    return { facts, changes };
  } catch {
    return { facts, changes: [] }; // a plan that cannot use the value refuses it; its facts were still built
  }
}

/** Where the canary sits raw inside shell text, if anywhere. */
function rawInScript(step: Step): string | undefined {
  if ('shell' in step) return step.shell.includes(CANARY) ? 'a shell step' : undefined;
  if ('exec' in step) {
    const shells = ['sh', 'bash', 'dash', '/bin/sh', '/bin/bash'];
    if (shells.includes(step.exec[0]) && step.exec[1] === '-c' && step.exec[2]?.includes(CANARY)) return `the script of ${step.exec[0]} -c`;
    return undefined;
  }
  return step.write.validate?.includes(CANARY) ? 'a validate command' : undefined;
}

let tried = 0;
let planned = 0;
for (const name of readdirSync(root).sort()) {
  const mod = modules.get(name)!;
  test(`${name}: every string argument travels as data`, () => {
    for (const file of readdirSync(join(root, name)).filter((f) => f.endsWith('.yml')).sort()) {
      const c = load(readFileSync(join(root, name, file), 'utf8'), { schema: ANSIBLE_SCHEMA }) as Case & { expect: { error?: string } };
      if (c.expect.error !== undefined) continue;
      for (const at of leaves(c.args)) for (CANARY of CANARIES) {
        const label = `${name}/${file} ${at.join('.')}`;
        // An absolute path stays one (schemas ask for it), with the canary as a directory name.
        const was = at.reduce((v: any, k) => v[k], c.args as any) as string;
        const args = setAt(c.args, at, was.startsWith('/') ? `/srv/${CANARY}/x` : CANARY);
        tried++;
        const got = plan(mod, c, args);
        if (!got) continue;
        planned++;
        const isCommand = COMMANDS.has(`${name}:${at[0]}`);
        for (const f of got.facts) assert.not.ok(f.script.includes(CANARY), `${label}: raw in the script of fact ${f.key}`);
        for (const ch of got.changes) {
          for (const s of ch.steps) {
            const where = rawInScript(s);
            if (where && !isCommand) assert.unreachable(`${label}: raw in ${where}: ${JSON.stringify(s).slice(0, 300)}`);
          }
        }
      }
    }
  });
}

test('the sweep planned a real share of the arguments (not all refused by schemas)', () => {
  assert.ok(tried > 100 && planned > tried / 4, `${planned} of ${tried} planned`);
  console.log(`module arguments: ${planned} of ${tried} planned with the canary`);
});

test.run();
