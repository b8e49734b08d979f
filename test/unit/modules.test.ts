// Module plans against fact fixtures: test/fixtures/modules/<module>/<case>.yml, one case per file.
//
//   args: { ... }                      # the task's arguments, as in a playbook
//   facts: { "file:/x": {...}, ... }   # every fact the module asks for, by key, already parsed
//   local: { "templates/a.njk": "..." } # optional: local files the plan may read or render (those below a
//                                       # directory named as copy's src are that directory: local_links its symlinks)
//   vars: { ... }                      # optional: variables for render()
//   packs: { "forever@0.10.8": {...} }  # optional: npm packs made on the controller
//   ssh_port: 2222                     # optional: the port the run's SSH connection uses (default 22)
//   expect:
//     changes: [ { summary, steps, effects?, diff? } ]   # [] for a no-op
//     error: "text the validation or plan error contains"
//     skipped: "why"                 # the module skips the task before planning (its skips(), as unarchive's creates)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Change, LocalTree, ModuleDef, PlanContext } from '../../engine/module.ts';
import { NeedFact, planTask } from '../../engine/plan.ts';
import { renderFile } from '../../engine/vars/template.ts';
import { modules } from '../../modules/index.ts';
import { validate } from '../../engine/validate.ts';
import { ANSIBLE_SCHEMA } from '../../engine/yaml/schema.ts';

const root = new URL('../fixtures/modules/', import.meta.url).pathname;

type Case = {
  args: unknown;
  facts?: Record<string, unknown>;
  local?: Record<string, string>;
  /** Modes of local files (mode: preserve), four octal digits by name. */
  local_modes?: Record<string, string>;
  /** Local symlinks in a directory copied (copy's src): path -> target. */
  local_links?: Record<string, string>;
  vars?: Record<string, unknown>;
  /** npm packs the plan may ask for, by spec: { name, version, bins, sha256, tarball (text) }. */
  packs?: Record<string, { name: string; version: string; bins: Record<string, string>; sha256: string; tarball: string }>;
  /** The SSH port the run uses (default 22). */
  ssh_port?: number;
  expect: { changes?: Array<Partial<Change>>; error?: string; skipped?: string };
};

/** Buffers and undefined fields out, so a change compares with its YAML form. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('utf8') : x)));
}

/** A local directory of the fixture (its `local` files below it, `local_links` as symlinks), as Ansible's copy walks it; undefined for a file. */
function localTree(c: Case, p: string): LocalTree | undefined {
  const top = p.replace(/\/+$/, '');
  const rel = (k: string) => (p.endsWith('/') ? k.slice(top.length + 1) : k.slice(top.lastIndexOf('/') + 1));
  const files = Object.keys(c.local ?? {}).filter((k) => k.startsWith(`${top}/`)).sort();
  const links = Object.entries(c.local_links ?? {}).filter(([k]) => k.startsWith(`${top}/`)).sort();
  if (!files.length && !links.length) return undefined;
  const dirs = new Set<string>();
  for (const k of [...files, ...links.map(([l]) => l)]) for (let d = k.slice(0, k.lastIndexOf('/')); d.length > top.length; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(rel(d));
  return { files: files.map((k) => ({ path: k, rel: rel(k) })), directories: [...dirs].sort(), symlinks: links.map(([k, target]) => ({ target, rel: rel(k) })) };
}

/** The fixture's arguments as the engine hands them to the module: validated, defaults filled in. */
function argsOf(mod: ModuleDef, c: Case): unknown {
  const args = structuredClone(c.args);
  const problems = validate(mod.schema, args);
  if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
  return args;
}

/** Why the engine skips the task before planning (ModuleDef.skips, from the eager facts), or undefined. */
function skipped(mod: ModuleDef, c: Case): string | undefined {
  return mod.skips?.(argsOf(mod, c), { get: <T>(d: { key: string }) => {
    if (!(d.key in (c.facts ?? {}))) throw new Error(`fixture lacks fact "${d.key}"`);
    return c.facts![d.key] as T;
  } });
}

function run(mod: ModuleDef, c: Case): Change[] {
  const args = argsOf(mod, c);
  const ctx: PlanContext = {
    host: 'fixture',
    connection: { user: 'root', port: c.ssh_port ?? 22 }, runAs: 'root',
    readLocal: (p) => {
      if (!(p in (c.local ?? {}))) throw new Error(`fixture has no local file ${p}`);
      return Buffer.from(c.local![p]);
    },
    localMode: (p) => {
      if (!(p in (c.local_modes ?? {}))) throw new Error(`fixture has no local_modes entry for ${p}`);
      return c.local_modes![p];
    },
    localTree: (p) => localTree(c, p),
    render: (p) => renderFile(ctx.readLocal(p).toString(), c.vars ?? {}, p),
    npmPack: (spec) => {
      const pack = c.packs?.[spec];
      if (!pack) throw new Error(`fixture has no pack for ${spec}`);
      return { ...pack, tarball: Buffer.from(pack.tarball) };
    },
  };
  // A lazy fact is read only if the plan asks for it: a fixture gives it only where it must be read.
  for (const f of mod.facts(args, ctx)) if (!f.lazy && !(f.key in (c.facts ?? {}))) throw new Error(`fixture lacks fact "${f.key}"`);
  // The engine's own planning: a read of a fact the module did not declare fails here as it does in a run.
  try {
    return planTask(mod, args, ctx, { has: (k) => k in (c.facts ?? {}), get: (k) => c.facts![k] });
  } catch (err) {
    if (err instanceof NeedFact) throw new Error(`the plan read lazy fact "${err.def.key}", which the fixture does not give`);
    throw err;
  }
}

for (const name of readdirSync(root).sort()) {
  const mod = modules.get(name)!;
  for (const file of readdirSync(join(root, name)).filter((f) => f.endsWith('.yml')).sort()) {
    test(`${name}/${file}`, () => {
      const c = load(readFileSync(join(root, name, file), 'utf8'), { schema: ANSIBLE_SCHEMA }) as Case;
      if (c.expect.error !== undefined) {
        assert.throws(() => run(mod, c), (err: Error) => err.message.includes(c.expect.error!) || (console.log(err.message), false));
        return;
      }
      // The engine asks skips() before the plan: a fixture expecting a plan must not be one it skips.
      assert.is(skipped(mod, c), c.expect.skipped, 'skipped before planning');
      if (c.expect.skipped !== undefined) return;
      const got = plain(run(mod, c)) as Array<Record<string, unknown>>;
      const want = c.expect.changes ?? [];
      assert.is(got.length, want.length, `changes: ${JSON.stringify(got.map((g) => g.summary))}`);
      want.forEach((w, i) => {
        for (const field of Object.keys(w) as Array<keyof Change>) assert.equal(got[i][field], plain(w[field]), `${field} of change ${i}`);
        if (!('effects' in w)) assert.ok(Array.isArray(got[i].effects), 'a change declares its effects');
      });
    });
  }
}

test.run();
