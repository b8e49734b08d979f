// set_fact: variables of the host from this task on, over play, role and task vars (under -e), as Ansible's.
import { defineModule } from '../../engine/module.ts';
import { PY_KEYWORDS } from '../../engine/vars/python.ts';
import { ansibleBool } from '../../engine/yaml/schema.ts';

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

export default defineModule<Record<string, unknown>>({
  name: 'set_fact',
  fqcn: ['ansible.builtin.set_fact', 'ansible.legacy.set_fact'],
  description: 'Set variables of the host for the rest of the run: `set_fact: { name: value }` or `set_fact: name=value`.',
  schema: {
    type: 'object',
    minProperties: 1,
    propertyNames: { pattern: NAME, not: { enum: PY_KEYWORDS }, description: 'a variable name: letters, digits and "_", not starting with a digit, not a Python keyword' },
    properties: { cacheable: { type: 'boolean', description: 'accepted; provision keeps no fact cache between runs' } },
    additionalProperties: true,
  },
  facts: () => [],
  plan: () => [],
  local(a) {
    const sets: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) {
      if (k === 'cacheable') continue;
      // Ansible's set_fact turns the strings true/false/yes/no (any case) into booleans.
      sets[k] = typeof v === 'string' && /^(true|false|yes|no)$/i.test(v) ? ansibleBool(v) : v;
    }
    return { status: 'ok', sets, result: { ansible_facts: sets } };
  },
  localSets: (a) => Object.keys(a).filter((k) => k !== 'cacheable'),
});
