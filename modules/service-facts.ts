// service_facts: every service of the host as Ansible's service_facts lists them, as the variable `services`
// (and ansible_facts.services); it changes nothing and reads the same in --check.
import { defineModule } from '../engine/module.ts';
import { serviceListFact } from '../facts/service-list.ts';

export default defineModule<Record<string, never>>({
  name: 'service_facts',
  fqcn: ['ansible.builtin.service_facts', 'ansible.legacy.service_facts'],
  description: 'Read every service of the host (sysv scripts and systemd units, as Ansible\'s service_facts) into the variable `services`.',
  schema: { type: 'object', additionalProperties: false, properties: {} },
  facts: () => [serviceListFact()],
  plan: () => [],
  gathered: (_a, facts) => ({ services: facts.get(serviceListFact()) }),
  localSets: () => ['services'],
});
