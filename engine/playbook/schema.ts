// The JSON Schema of a playbook, for editors: plays, tasks, and each module's own argument schema.
import type { ModuleDef } from '../module.ts';

/**
 * A module's argument schema with Ansible's other names of its arguments (lineinfile's dest, apt's pkg) beside them,
 * each with its argument's schema; a required argument (also in the schema's anyOf/oneOf/allOf) may be given by any
 * of its names.
 */
function withAliases(m: ModuleDef): object {
  type Node = { properties?: Record<string, unknown>; required?: string[]; allOf?: Node[]; anyOf?: Node[]; oneOf?: Node[] };
  const s = m.schema as Node;
  if (!m.aliases || !s.properties) return m.schema;
  const props = s.properties;
  const aliases = Object.entries(m.aliases).filter(([, to]) => props[to]);
  const namesOf = (k: string) => [k, ...aliases.filter(([, to]) => to === k).map(([alias]) => alias)];
  const requiring = (n: Node): Node => {
    const required = n.required ?? [];
    const either = required.filter((k) => namesOf(k).length > 1).map((k) => ({ anyOf: namesOf(k).map((x) => ({ required: [x] })) }));
    if (!either.length) return n;
    return { ...n, required: required.filter((k) => namesOf(k).length === 1), allOf: [...(n.allOf ?? []), ...either] };
  };
  const top = requiring(s);
  return {
    ...top,
    properties: { ...props, ...Object.fromEntries(aliases.map(([alias, to]) => [alias, props[to]])) },
    ...(top.anyOf ? { anyOf: top.anyOf.map(requiring) } : {}),
    ...(top.oneOf ? { oneOf: top.oneOf.map(requiring) } : {}),
  };
}

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
      properties: { ...taskProps, args: { type: 'object' }, [key]: { anyOf: [{ type: 'string' }, withAliases(m)] } },
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
