// debug: a message, or a variable's value, shown with the task's result; it changes nothing, on any host.
import { defineModule } from '../../engine/module.ts';
import { shown } from './show.ts';

type DebugArgs = { msg?: unknown; var?: string; verbosity?: number };

export default defineModule<DebugArgs>({
  name: 'debug',
  fqcn: ['ansible.builtin.debug', 'ansible.legacy.debug'],
  description: 'Show a message (`msg`, any value) or the value of an expression (`var`) with the task\'s result. A `verbosity` above 0 skips it: provision has no -v.',
  schema: {
    type: 'object',
    additionalProperties: false,
    allOf: [{ not: { required: ['msg', 'var'] }, description: 'give msg or var, not both' }],
    properties: {
      msg: { description: 'what to show (default "Hello world!")' },
      var: { type: 'string', minLength: 1, description: 'an expression whose value to show, without {{ }}' },
      verbosity: { type: 'integer', minimum: 0, maximum: 5 },
    },
  },
  facts: () => [],
  plan: () => [],
  local(a, ctx) {
    if (a.verbosity) return { status: 'skipped', msg: 'Verbosity threshold not met.' };
    if (a.var === undefined) {
      const msg = a.msg === undefined ? 'Hello world!' : a.msg;
      return { status: 'ok', msg: shown(msg), result: { msg } };
    }
    let value: unknown;
    try {
      value = ctx.evaluate(a.var);
    } catch {
      value = undefined; // as Ansible: shown, not failed
    }
    return { status: 'ok', msg: `${a.var}: ${shown(value)}`, result: { [a.var]: value === undefined ? 'VARIABLE IS NOT DEFINED!' : value } };
  },
});
