// package: Ansible's generic package module. provision manages Debian hosts, so it is apt's planner with
// package's arguments (name, state; `use: auto` or `apt`): the same changes, facts and effects as apt.
import { defineModule } from '../engine/module.ts';
import apt, { type AptArgs } from './apt.ts';

type PackageArgs = { name: string | string[]; state?: 'present' | 'absent' | 'latest'; use?: 'auto' | 'apt' };
const asApt = (a: PackageArgs): AptArgs => ({ name: a.name, state: a.state ?? 'present' });
const aptProps = (apt.schema as { properties: Record<string, unknown> }).properties;

export default defineModule<PackageArgs>({
  name: 'package',
  fqcn: ['ansible.builtin.package', 'ansible.legacy.package'],
  description: 'Install, upgrade or remove packages with the host\'s package manager: apt (provision manages Debian hosts).',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: aptProps.name,
      state: aptProps.state,
      use: { enum: ['auto', 'apt'], description: 'auto or apt: provision manages Debian hosts' },
    },
  },
  facts: (a, ctx) => apt.facts(asApt(a), ctx),
  plan: (a, facts, ctx) => apt.plan(asApt(a), facts, ctx),
  sideEffects: (a) => apt.sideEffects!(asApt(a)),
});
