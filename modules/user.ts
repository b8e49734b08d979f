// user: a local user present with the given uid, groups, shell and home (and authorized_keys), or absent.
import { createHash } from 'node:crypto';
import { type GroupState, type UserState, groupFact, homeFactPrefix, userFact } from '../facts/accounts.ts';
import { fileContentFact, fileFact } from '../facts/files.ts';
import { type Change, type Effect, defineModule } from '../engine/module.ts';
import { accountNameSchema, idSchema } from './group.ts';

export type UserArgs = {
  name: string;
  state?: 'present' | 'absent';
  uid?: number;
  group?: string;
  groups?: string[];
  append?: boolean;
  shell?: string;
  home?: string;
  system?: boolean;
  create_home?: boolean;
  authorized_keys?: string[];
  remove?: boolean;
};

type Present = Extract<UserState, { exists: true }>;

const absPath = { type: 'string', pattern: '^/[^\\n]*$', description: 'an absolute path' } as const;

/** Groups named by the arguments (primary first), each once. */
const groupNames = (a: UserArgs) => [...new Set([...(a.group ? [a.group] : []), ...(a.groups ?? [])])];

/** A home directory and what is in it: unknown once useradd made it or userdel removed it. */
const homeEffects = (home: string): Effect[] =>
  [{ key: fileFact(home).key, unknown: true }, { prefix: `file:${home}/`, unknown: true }, { prefix: `content:${home}/`, unknown: true }];

/** authorized_keys text as a set of its non-empty lines. */
const keySet = (text: string | undefined) => new Set((text ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean));

export default defineModule<UserArgs>({
  name: 'user',
  fqcn: ['ansible.builtin.user', 'ansible.legacy.user'],
  aliases: { user: 'name', createhome: 'create_home' },
  description: 'Create, update or remove a local user: uid, primary and supplementary groups, shell, home, authorized_keys.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: accountNameSchema,
      state: { enum: ['present', 'absent'], default: 'present' },
      uid: idSchema,
      group: accountNameSchema,
      groups: { type: 'array', items: accountNameSchema, uniqueItems: true },
      append: { type: 'boolean', default: false },
      shell: absPath,
      home: absPath,
      system: { type: 'boolean' },
      create_home: { type: 'boolean', default: true },
      authorized_keys: { type: 'array', items: { type: 'string', pattern: '^[^\\r\\n]*$', description: 'one line of authorized_keys' } },
      remove: { type: 'boolean' },
    },
  },
  // Without a group of its own named, the group named after the user matters: useradd joins it if it is there.
  facts: (a) => [userFact(a.name), ...(a.state === 'absent' ? [] : [...groupNames(a), ...(a.group ? [] : [a.name])].map(groupFact))],
  plan(a, facts) {
    const key = userFact(a.name).key;
    const now = facts.get(userFact(a.name));
    if (a.state === 'absent') {
      if (!now.exists) return [];
      // userdel --remove leaves a home someone else owns, and then exits 12 though the user is gone: such a home
      // is left in place from the start, and said so.
      const foreign = a.remove && now.homeOwner !== undefined && now.homeOwner !== a.name;
      const remove = a.remove && !foreign;
      return [{
        summary: `remove user ${a.name}${remove ? ` and its home ${now.home}` : ''}${foreign ? ` (its home ${now.home} is owned by ${now.homeOwner}: left in place)` : ''}`,
        steps: [{ exec: ['userdel', ...(remove ? ['--remove'] : []), '--', a.name] }],
        // userdel leaves the user's groups, and removes the group named after it when no one else uses it.
        effects: [{ key, value: { exists: false } },
          ...[...new Set([...now.groups, a.name])].map((g): Effect => ({ key: groupFact(g).key, unknown: true })),
          ...(remove ? homeEffects(now.home) : []), { prefix: homeFactPrefix(a.name), unknown: true }],
      }];
    }
    const groupFacts = new Map<string, Extract<GroupState, { exists: true }>>();
    for (const g of groupNames(a)) {
      const fact = facts.get(groupFact(g));
      if (!fact.exists) throw new Error(`user ${a.name}: no group "${g}" on this host (create it first with the group module)`);
      groupFacts.set(g, fact);
    }
    const gidOf = (g: string) => groupFacts.get(g)!.gid;
    /** The member lists of the groups the user joins or leaves (unknown for groups the module did not read). */
    const memberEffects = (joined: string[], left: string[]): Effect[] => [...joined, ...left].map((g) => {
      const f = groupFacts.get(g);
      if (!f) return { key: groupFact(g).key, unknown: true };
      const others = f.members.filter((m) => m !== a.name);
      return { key: groupFact(g).key, value: { ...f, members: joined.includes(g) ? [...others, a.name] : others } };
    });
    const changes: Change[] = [];
    /** The user as it will be; undefined when it cannot be known (a new user's uid, gid and shell). */
    let after: Present | undefined;
    let primary: string;
    let home: string;

    if (!now.exists) {
      primary = a.group ?? a.name;
      home = a.home ?? `/home/${a.name}`;
      const argv = ['useradd'];
      const notes: string[] = [];
      if (a.uid !== undefined) { argv.push('--uid', String(a.uid)); notes.push(`uid ${a.uid}`); }
      if (a.group) { argv.push('--gid', a.group); notes.push(`group ${a.group}`); }
      // As Ansible does: a group named after the user is there already, so useradd is told not to make one
      // (-N; it would fail "group exists"), and the user's primary group is useradd's default.
      const ownGroup = !a.group && facts.get(groupFact(a.name)).exists;
      if (ownGroup) { argv.push('-N'); notes.push(`group ${a.name} exists: useradd -N`); }
      if (a.groups?.length) { argv.push('--groups', a.groups.join(',')); notes.push(`groups ${a.groups.join(', ')}`); }
      if (a.shell) { argv.push('--shell', a.shell); notes.push(`shell ${a.shell}`); }
      if (a.home) { argv.push('--home-dir', a.home); notes.push(`home ${a.home}`); }
      if (a.system) { argv.push('--system'); notes.push('system'); }
      argv.push(a.create_home === false ? '--no-create-home' : '--create-home', '--', a.name);
      if (a.uid !== undefined && a.group && a.shell) {
        after = { exists: true, uid: a.uid, gid: gidOf(a.group), home, shell: a.shell, groups: [a.group, ...(a.groups ?? []).filter((g) => g !== a.group)] };
      }
      const effects: Effect[] = [after ? { key, value: after } : { key, unknown: true }, ...memberEffects(a.groups ?? [], [])];
      // Its primary group gains it (without one named, useradd makes one after the user, or with -N uses its default).
      const named = a.group ? groupFacts.get(a.group) : undefined;
      effects.push(named ? { key: groupFact(a.group!).key, value: { ...named, primaryOf: [...(named.primaryOf ?? []), a.name] } }
        : { key: groupFact(a.group ?? a.name).key, unknown: true });
      if (ownGroup) effects.push({ prefix: 'group:', unknown: true });
      if (a.create_home !== false) effects.push(...homeEffects(home));
      effects.push({ prefix: homeFactPrefix(a.name), unknown: true });
      changes.push({ summary: `create user ${a.name}${notes.length ? ` (${notes.join(', ')})` : ''}`, steps: [{ exec: argv }], effects });
    } else {
      // `id -Gn` lists the primary group first, then the supplementary ones.
      const [nowPrimary = a.name, ...rest] = now.groups;
      const supplementary = rest.filter((g) => g !== nowPrimary);
      primary = nowPrimary;
      home = a.home ?? now.home;
      const next: Present = { ...now };
      const argv: string[] = [];
      const notes: string[] = [];
      if (a.uid !== undefined && a.uid !== now.uid) {
        argv.push('--uid', String(a.uid));
        notes.push(`uid ${a.uid} (was ${now.uid})`);
        next.uid = a.uid;
      }
      if (a.group && gidOf(a.group) !== now.gid) {
        argv.push('--gid', a.group);
        notes.push(`group ${a.group} (was ${nowPrimary})`);
        next.gid = gidOf(a.group);
        primary = a.group;
      }
      let wantSupp = supplementary;
      let joined: string[] = [];
      let left: string[] = [];
      if (a.groups) {
        // `id -Gn` shows the primary group once: listed in groups too, it is not a difference.
        const asked = a.groups.filter((g) => g !== primary);
        const missing = asked.filter((g) => !supplementary.includes(g));
        const extra = supplementary.filter((g) => !asked.includes(g));
        if (a.append && missing.length) {
          wantSupp = [...supplementary, ...missing];
          joined = missing;
          argv.push('--append', '--groups', missing.join(','));
          notes.push(`groups + ${missing.join(', ')}`);
        } else if (!a.append && (missing.length || extra.length)) {
          wantSupp = asked;
          [joined, left] = [missing, extra];
          argv.push('--groups', a.groups.join(','));
          notes.push(`groups ${a.groups.join(', ') || '(none)'} (was ${supplementary.join(', ') || 'none'})`);
        }
      }
      next.groups = [primary, ...wantSupp];
      if (a.shell && a.shell !== now.shell) {
        argv.push('--shell', a.shell);
        notes.push(`shell ${a.shell} (was ${now.shell})`);
        next.shell = a.shell;
      }
      if (a.home && a.home !== now.home) {
        argv.push('--home', a.home);
        notes.push(`home ${a.home} (was ${now.home}; files not moved)`);
        next.home = a.home;
      }
      after = next;
      if (argv.length) {
        // Under a new home, authorized_keys are whatever is there already.
        const known: Effect = next.home === now.home ? { key, value: next } : { key, unknown: true };
        // A new primary group: the old one and the new one change whose primary group they are.
        const primaries: Effect[] = primary !== nowPrimary ? [nowPrimary, primary].map((g) => ({ key: groupFact(g).key, unknown: true })) : [];
        // usermod --uid gives the files of the home to the new uid: their facts hold the old one.
        if (next.uid !== now.uid) primaries.push(...homeEffects(now.home));
        if (next.home !== now.home || next.uid !== now.uid) primaries.push({ prefix: homeFactPrefix(a.name), unknown: true });
        changes.push({ summary: `user ${a.name}: ${notes.join(', ')}`, steps: [{ exec: ['usermod', ...argv, '--', a.name] }],
          effects: [known, ...memberEffects(joined, left), ...primaries] });
      }
    }

    if (a.authorized_keys) {
      const want = keySet(a.authorized_keys.join('\n'));
      const have = keySet(now.exists ? now.authorizedKeys : undefined);
      // A new home (usermod --home moves no files) has no keys yet, whatever the old one had.
      const moved = now.exists && home !== now.home;
      const same = !moved && want.size === have.size && [...want].every((k) => have.has(k));
      if (!same) {
        const lines = [...want];
        const content = lines.length ? `${lines.join('\n')}\n` : '';
        const path = `${home}/.ssh/authorized_keys`;
        const effects: Effect[] = [
          after ? { key, value: { ...after, authorizedKeys: content } } : { key, unknown: true },
          { key: fileContentFact(path).key, value: { exists: true, text: content } },
          { key: fileFact(path).key, value: { state: 'file', mode: '0600', owner: a.name, group: primary, size: Buffer.byteLength(content),
            sha256: createHash('sha256').update(content).digest('hex') } },
        ];
        changes.push({
          summary: `authorized_keys of ${a.name}: ${lines.length} key${lines.length === 1 ? '' : 's'}`,
          steps: [
            { exec: ['install', '-d', '-m', '0700', '-o', a.name, '-g', primary, `${home}/.ssh`] },
            { write: { path, content, mode: '0600', owner: a.name, group: primary } },
          ],
          effects,
          sensitive: false,
        });
      }
    }
    return changes;
  },
});
