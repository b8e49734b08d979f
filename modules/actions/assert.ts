// assert: every condition of `that` must hold, read as `when` reads them; the first that does not fails the task.
import { defineModule } from '../../engine/module.ts';
import { shown } from './show.ts';

type AssertArgs = { that: unknown; fail_msg?: unknown; msg?: unknown; success_msg?: unknown; quiet?: boolean };

export default defineModule<AssertArgs>({
  name: 'assert',
  fqcn: ['ansible.builtin.assert', 'ansible.legacy.assert'],
  description: 'Fail the task unless every condition of `that` (a string or a list, written as `when` conditions) holds.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['that'],
    properties: {
      that: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1 }, { type: 'boolean' }], description: 'a condition or a list of them' },
      fail_msg: {},
      msg: {},
      success_msg: {},
      quiet: { type: 'boolean' },
    },
  },
  facts: () => [],
  plan: () => [],
  local(a, ctx) {
    for (const cond of Array.isArray(a.that) ? a.that : [a.that]) {
      if (!ctx.holds(cond)) {
        const msg = a.fail_msg ?? a.msg ?? 'Assertion failed';
        return { status: 'failed', msg: shown(msg), result: { msg, assertion: cond, evaluated_to: false } };
      }
    }
    const msg = a.success_msg ?? 'All assertions passed';
    return { status: 'ok', ...(a.quiet ? {} : { msg: shown(msg) }), result: { msg } };
  },
});
