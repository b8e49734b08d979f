// The JSON Schema of a playbook, for editors: plays, tasks, and each module's own argument schema.
import type { ModuleDef } from '../module.ts';

export function playbookSchema(modules: ReadonlyMap<string, ModuleDef>): object {
  const taskProps = {
    name: { type: 'string' }, when: {}, loop: {}, with_items: {}, register: { type: 'string' },
    notify: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    listen: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    tags: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    become: { type: ['boolean', 'string'] }, ignore_errors: { type: ['boolean', 'string'] }, no_log: { type: ['boolean', 'string'] },
    ignore_unreachable: { type: ['boolean', 'string'] },
  };
  const task = {
    type: 'object',
    // One branch per name a module is known by (its own, and Ansible's full names); every module takes a string too
    // (free-form key=value arguments, or a command line).
    oneOf: [...modules.values()].flatMap((m) => [m.name, ...(m.fqcn ?? [])].map((key) => ({
      description: m.description,
      required: [key],
      properties: { ...taskProps, args: { type: 'object' }, [key]: { anyOf: [{ type: 'string' }, m.schema] } },
      additionalProperties: false,
    }))),
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'provision playbook',
    type: 'array',
    items: {
      type: 'object',
      required: ['hosts'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' }, hosts: { type: 'string' }, vars: { type: 'object' }, become: { type: 'boolean' },
        gather_facts: { type: 'boolean' }, tags: {}, tasks: { type: 'array', items: task }, handlers: { type: 'array', items: task },
      },
    },
  };
}
