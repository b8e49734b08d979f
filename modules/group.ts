// group: a local group present (optionally with a given gid) or absent.
import { type GroupState, groupFact, userFact } from '../facts/accounts.ts';
import { type Effect, defineModule } from '../engine/module.ts';

export type GroupArgs = {
  name: string;
  gid?: number;
  state?: 'present' | 'absent';
  system?: boolean;
};

/** The schema of a user or group name (shadow-utils' rule, as Debian's adduser applies it). */
export const accountNameSchema = {
  type: 'string',
  pattern: '^[a-z_][a-z0-9_-]*[$]?$',
  maxLength: 32,
  description: 'a user or group name: lower-case letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters',
} as const;

export const idSchema = { type: 'integer', minimum: 0, maximum: 4294967294, description: 'a whole number' } as const;

export default defineModule<GroupArgs>({
  name: 'group',
  fqcn: ['ansible.builtin.group', 'ansible.legacy.group'],
  description: 'Create a local group (optionally with a fixed gid, or as a system group), change its gid, or remove it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: accountNameSchema,
      gid: idSchema,
      state: { enum: ['present', 'absent'], default: 'present' },
      system: { type: 'boolean' },
    },
  },
  facts: (a) => [groupFact(a.name)],
  plan(a, facts) {
    const key = groupFact(a.name).key;
    const now = facts.get(groupFact(a.name));
    if ((a.state ?? 'present') === 'absent') {
      if (!now.exists) return [];
      if (now.primaryOf?.length) {
        throw new Error(`cannot remove group ${a.name}: it is the primary group of user ${now.primaryOf.join(', ')} (groupdel refuses it; remove the user first, or give it another group)`);
      }
      // Its members lose it from their groups.
      const members: Effect[] = now.members.map((m) => ({ key: userFact(m).key, unknown: true }));
      return [{ summary: `remove group ${a.name}`, steps: [{ exec: ['groupdel', '--', a.name] }], effects: [{ key, value: { exists: false } }, ...members] }];
    }
    if (!now.exists) {
      const after: GroupState = { exists: true, gid: a.gid ?? 0, members: [], primaryOf: [] };
      // Without a gid, groupadd picks the next free one: it cannot be known before.
      const effect: Effect = a.gid === undefined ? { key, unknown: true } : { key, value: after };
      const notes = [a.gid !== undefined ? `gid ${a.gid}` : '', a.system ? 'system' : ''].filter(Boolean);
      return [{
        summary: `create group ${a.name}${notes.length ? ` (${notes.join(', ')})` : ''}`,
        steps: [{ exec: ['groupadd', ...(a.gid !== undefined ? ['--gid', String(a.gid)] : []), ...(a.system ? ['--system'] : []), '--', a.name] }],
        effects: [effect],
      }];
    }
    if (a.gid !== undefined && a.gid !== now.gid) {
      return [{
        summary: `group ${a.name}: gid ${a.gid} (was ${now.gid})`,
        steps: [{ exec: ['groupmod', '--gid', String(a.gid), '--', a.name] }],
        // Users whose primary group it is now have the new gid: which ones, the group fact does not say.
        effects: [{ key, value: { ...now, gid: a.gid } }, { prefix: 'user:', unknown: true }],
      }];
    }
    return [];
  },
});
