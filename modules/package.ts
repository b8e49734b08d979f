// package: Ansible's generic package module. provision manages Debian hosts, so it is apt, as Ansible's package
// action runs it there: every argument but `use` goes to apt unchanged (update_cache, cache_valid_time, purge...),
// with apt's aliases, so the same changes, facts and effects as apt.
import { defineModule } from '../engine/module.ts';
import apt, { type AptArgs } from './apt.ts';

type PackageArgs = AptArgs & { use?: 'auto' | 'apt' };
const asApt = ({ use: _use, ...a }: PackageArgs): AptArgs => a;
const aptSchema = apt.schema as { properties: Record<string, unknown> };

export default defineModule<PackageArgs>({
  name: 'package',
  fqcn: ['ansible.builtin.package', 'ansible.legacy.package'],
  aliases: apt.aliases,
  description: 'Install, upgrade or remove packages with the host\'s package manager: apt (provision manages Debian hosts), with apt\'s arguments.',
  schema: {
    ...aptSchema,
    properties: {
      ...aptSchema.properties,
      use: { enum: ['auto', 'apt'], description: 'auto or apt: provision manages Debian hosts' },
    },
  },
  facts: (a, ctx) => apt.facts(asApt(a), ctx),
  plan: (a, facts, ctx) => apt.plan(asApt(a), facts, ctx),
  sideEffects: (a) => apt.sideEffects!(asApt(a)),
  verifiable: (a) => apt.verifiable?.(asApt(a)) ?? true,
});
