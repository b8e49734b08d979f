// fail: fails the task with a message (most often under a `when`).
import { defineModule } from '../../engine/module.ts';
import { shown } from './show.ts';

export default defineModule<{ msg?: unknown }>({
  name: 'fail',
  fqcn: ['ansible.builtin.fail', 'ansible.legacy.fail'],
  description: 'Fail the task with `msg` (default "Failed as requested from task").',
  schema: { type: 'object', additionalProperties: false, properties: { msg: {} } },
  facts: () => [],
  plan: () => [],
  local(a) {
    const msg = a.msg ?? 'Failed as requested from task';
    return { status: 'failed', msg: shown(msg), result: { msg } };
  },
});
