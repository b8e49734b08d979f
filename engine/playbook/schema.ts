// The JSON Schema of a playbook, for editors: plays, tasks, and each module's own argument schema.
import type { ModuleDef } from '../module.ts';

export function playbookSchema(modules: ReadonlyMap<string, ModuleDef>): object {
  const taskProps = {
    name: { type: 'string' }, when: {}, loop: {}, with_items: {}, register: { type: 'string' },
    notify: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    listen: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    tags: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    become: { type: 'boolean' }, ignore_errors: { type: 'boolean' }, no_log: { type: 'boolean' },
  };
  const task = {
    type: 'object',
    oneOf: [...modules.values()].map((m) => ({
      description: m.description,
      required: [m.name],
      properties: { ...taskProps, [m.name]: m.freeForm ? { anyOf: [{ type: 'string' }, m.schema] } : m.schema },
      additionalProperties: false,
    })),
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
