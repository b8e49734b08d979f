// planTask (engine/plan.ts) is how both the engine and the module test runners plan: a module that reads a
// fact it did not declare fails in both, and a lazy fact is asked for, not guessed. The fact cache's effects.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostRun } from '../../engine/host-run.ts';
import { type FactDef, type ModuleDef, type PlanContext, defineModule } from '../../engine/module.ts';
import { FactCache, NeedFact, planTask } from '../../engine/plan.ts';
import { parsePlaybook } from '../../engine/playbook/parse.ts';
import { registry } from '../../modules/index.ts';

const fact = (key: string, lazy = false): FactDef<string> => ({ key, script: 'true', parse: (s) => s, lazy });
const declared = fact('declared');
const other = fact('other');

/** Declares one fact and reads another. */
const sneaky: ModuleDef = defineModule<{ path: string }>({
  name: 'sneaky', description: 'reads a fact it did not declare',
  schema: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string' } } },
  facts: () => [declared],
  plan: (a, facts) => [{ summary: `${facts.get(declared)} ${facts.get(other)} ${a.path}`, steps: [], effects: [] }],
});
/** Reads only what it declared, one lazy fact among them. */
const honest: ModuleDef = defineModule<{ path: string }>({
  ...sneaky, name: 'honest',
  facts: () => [declared, fact('text', true)],
  plan: (a, facts) => [{ summary: `${facts.get(declared)} ${facts.get(fact('text', true))} ${a.path}`, steps: [], effects: [] }],
});

const ctx: PlanContext = { ...registry.services, host: 'h', connection: { user: 'root', port: 22 }, runAs: 'root',
  readLocal: () => Buffer.from(''), localMode: () => '0644', render: () => '' };
const known = (values: Record<string, unknown>) => ({ has: (k: string) => k in values, get: (k: string) => values[k] });

test('planTask: reading an undeclared fact fails, even when its value is at hand', () => {
  assert.throws(() => planTask(sneaky, { path: '/x' }, ctx, known({ declared: 'a', other: 'b' })),
    /module sneaky read fact "other" without declaring it: a bug in the module/);
});

test('planTask: a lazy fact not known is asked for (NeedFact), then read', () => {
  try {
    planTask(honest, { path: '/x' }, ctx, known({ declared: 'a' }));
    assert.unreachable('planned without the lazy fact');
  } catch (err) {
    assert.instance(err, NeedFact);
    assert.is((err as NeedFact).def.key, 'text');
  }
  assert.is(planTask(honest, { path: '/x' }, ctx, known({ declared: 'a', text: 't' }))[0].summary, 'a t /x');
});

test('the engine plans through planTask: a run of the sneaky module fails its task with the same message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plan-'));
  writeFileSync(join(dir, 'play.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: sneak\n      sneaky: { path: /x }\n');
  const modules = new Map([...registry.modules, ['sneaky', sneaky]]);
  const { plays, problems } = parsePlaybook(join(dir, 'play.yml'), modules);
  assert.equal(problems, []);
  // One fact batch: the declared fact, answered as the host would (the batch's fences around "a").
  const conn = {
    exec: async (_cmd: string, o?: { stdin?: unknown }) => {
      const boundary = /'(@@provision-[0-9a-f]+) 0'/.exec(String(o?.stdin))![1];
      return { code: 0, stdout: `${boundary} 0\na\n${boundary} end 0 0\n`, stderr: '' };
    },
  };
  for (const check of [true, false]) {
    const errors: string[] = [];
    const run = new HostRun('h', conn, { ...registry, modules }, { check, tags: [], skipTags: [], connUser: 'root', becomeUser: 'root' },
      (_h, r) => errors.push(`${r.status}: ${r.error}`));
    await run.runPlay(plays[0], () => ({}));
    assert.equal(errors, ['failed: module sneaky read fact "other" without declaring it: a bug in the module'], check ? 'check' : 'apply');
  }
});

test('FactCache: check mode applies effects (values, unknown keys and prefixes); apply forgets what a change touched', () => {
  const c = new FactCache();
  c.set('file:/a', 1);
  c.set('file:/b', 2);
  c.applyEffects([{ key: 'file:/a', value: 9 }, { prefix: 'file:/b', unknown: true }], true);
  assert.is(c.get('file:/a'), 9);
  assert.not.ok(c.has('file:/b'));
  assert.ok(c.isUnknown('file:/b/c') && !c.isUnknown('file:/a') && c.simulated);
  const d = new FactCache();
  d.set('k', 1);
  d.applyEffects([{ key: 'k', value: 2 }], false);
  assert.not.ok(d.has('k'), 'apply: read again, not assumed');
  assert.not.ok(d.isUnknown('k'));
  assert.equal(d.missing([fact('k'), fact('j')]).map((x) => x.key), ['k', 'j']);
});

test('FactCache: what a task check mode could not plan may change (its module\'s side effects) is unknown, values too', () => {
  const c = new FactCache();
  c.set('file:/etc/default/haproxy', { state: 'absent' });
  c.set('debs', { curl: '1' });
  c.set('file:/srv/x', { state: 'absent' });
  c.markEffectsUnknown([...registry.modules.get('apt')!.sideEffects!({ name: 'haproxy' }), { key: 'debs', value: { haproxy: '2' } }]);
  assert.ok(c.isUnknown('file:/etc/default/haproxy') && c.isUnknown('service:haproxy') && c.isUnknown('debs'));
  assert.not.ok(c.has('debs'), 'a value the change would set is not assumed: the change was not planned');
  assert.not.ok(c.isUnknown('file:/srv/x'), 'what a package cannot touch stays known');
  assert.equal(registry.modules.get('apt')!.sideEffects!({ update_cache: true }), [], 'updating the lists alone touches no file or service');
});

test.run();
