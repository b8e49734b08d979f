// include_vars: the variables of a vars file on this machine (a name that may hold a template, read when the task
// runs), over play, role and task vars, under -e; optionally under one `name`.
import { defineModule } from '../../engine/module.ts';

type IncludeVarsArgs = { file: string; name?: string };

export default defineModule<IncludeVarsArgs>({
  name: 'include_vars',
  fqcn: ['ansible.builtin.include_vars', 'ansible.legacy.include_vars'],
  description: 'Load variables from a YAML file (a vault file is decrypted): `include_vars: vars/{{ ansible_os_family }}.yml`, or `file` and `name` (put them under that variable).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['file'],
    properties: {
      file: { type: 'string', minLength: 1 },
      name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'a variable name' },
    },
  },
  freeForm: (value) => ({ file: value.trim() }),
  facts: () => [],
  plan: () => [],
  local(a, ctx) {
    const { vars, file } = ctx.readVars(a.file);
    const sets = a.name ? { [a.name]: vars } : vars;
    return { status: 'ok', sets, result: { ansible_facts: sets, ansible_included_var_files: [file] } };
  },
  localSets: (a) => (typeof a.name === 'string' ? [a.name] : 'any'),
});
