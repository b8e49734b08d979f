// The user module's passwd and shadow side: the useradd of a new user, or the one usermod of what differs (uid,
// groups, shell, home (moved with move_home), comment, expires, password_lock), with the effects on the user's and
// its groups' facts. The password itself is set apart (user.ts), by chpasswd, so no hash is ever a command's word.
import { type GroupState, type UserState, groupFact, homeFactPrefix, userFact } from '../../facts/accounts.ts';
import { fileFact } from '../../facts/files.ts';
import type { Change, Effect, Facts } from '../../engine/module.ts';
import { type ShadowEntry, createExpires, createdShadow, daysOf, modifyExpires, planPassword, shadowFact } from './shadow.ts';

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
  comment?: string;
  move_home?: boolean;
  password?: string;
  update_password?: 'always' | 'on_create';
  password_lock?: boolean;
  expires?: number;
  generate_ssh_key?: boolean;
  ssh_key_bits?: number;
  ssh_key_type?: string;
  ssh_key_file?: string;
  ssh_key_comment?: string;
  ssh_key_passphrase?: string;
};

export type Present = Extract<UserState, { exists: true }>;

/** Whether the task reads /etc/shadow: it sets a password, a lock or an expiry. */
export const needsShadow = (a: UserArgs) => a.state !== 'absent' && (a.password !== undefined || a.password_lock !== undefined || a.expires !== undefined);

/** Groups named by the arguments (primary first), each once. */
export const groupNames = (a: UserArgs) => [...new Set([...(a.group ? [a.group] : []), ...(a.groups ?? [])])];

/** A home directory and what is in it: unknown once useradd made it, userdel removed it or usermod moved it. */
export const homeEffects = (home: string): Effect[] =>
  [{ key: fileFact(home).key, unknown: true }, { prefix: `file:${home}/`, unknown: true }, { prefix: `content:${home}/`, unknown: true }];

/** What the account change leaves: the user afterwards (undefined when it cannot be known), its primary group and home, its shadow entry. */
export type AccountPlan = { change?: Change; after?: Present; primary: string; home: string; shadow?: ShadowEntry;
  /** The password field to set (chpasswd -e) after the change. */
  password?: string };

export type GroupFacts = Map<string, Extract<GroupState, { exists: true }>>;

/** The member lists of the groups the user joins or leaves (unknown for groups the module did not read). */
function memberEffects(a: UserArgs, groupFacts: GroupFacts, joined: string[], left: string[]): Effect[] {
  return [...joined, ...left].map((g) => {
    const f = groupFacts.get(g);
    if (!f) return { key: groupFact(g).key, unknown: true };
    const others = f.members.filter((m) => m !== a.name);
    return { key: groupFact(g).key, value: { ...f, members: joined.includes(g) ? [...others, a.name] : others } };
  });
}

export function planCreate(a: UserArgs, facts: Facts, groupFacts: GroupFacts): AccountPlan {
  const key = userFact(a.name).key;
  const primary = a.group ?? a.name;
  const home = a.home ?? `/home/${a.name}`;
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
  if (a.comment !== undefined) { argv.push('--comment', a.comment); notes.push(`comment ${JSON.stringify(a.comment)}`); }
  if (a.expires !== undefined) {
    const e = createExpires(a.expires);
    argv.push('--expiredate', e);
    notes.push(`expires ${e || 'never'}`);
  }
  argv.push(a.create_home === false ? '--no-create-home' : '--create-home', '--', a.name);
  let after: Present | undefined;
  if (a.uid !== undefined && a.group && a.shell) {
    after = { exists: true, uid: a.uid, gid: groupFacts.get(a.group)!.gid, home, shell: a.shell, comment: a.comment ?? '',
      groups: [a.group, ...(a.groups ?? []).filter((g) => g !== a.group)] };
  }
  // useradd leaves the password field '!'; a password is set after it.
  const shadow = createdShadow({ expires: a.expires });
  const effects: Effect[] = [after ? { key, value: after } : { key, unknown: true }, ...memberEffects(a, groupFacts, a.groups ?? [], [])];
  // Its primary group gains it (without one named, useradd makes one after the user, or with -N uses its default).
  const named = a.group ? groupFacts.get(a.group) : undefined;
  effects.push(named ? { key: groupFact(a.group!).key, value: { ...named, primaryOf: [...(named.primaryOf ?? []), a.name] } }
    : { key: groupFact(a.group ?? a.name).key, unknown: true });
  if (ownGroup) effects.push({ prefix: 'group:', unknown: true });
  if (a.create_home !== false) effects.push(...homeEffects(home));
  effects.push({ prefix: homeFactPrefix(a.name), unknown: true });
  if (needsShadow(a)) effects.push({ key: shadowFact(a.name).key, value: shadow });
  const change = { summary: `create user ${a.name}${notes.length ? ` (${notes.join(', ')})` : ''}`, steps: [{ exec: argv }], effects };
  return { change, after, primary, home, shadow: createdShadow(a),
    password: a.password === undefined ? undefined : a.password_lock ? `!${a.password}` : a.password };
}

export function planModify(a: UserArgs, now: Present, facts: Facts, groupFacts: GroupFacts): AccountPlan {
  const key = userFact(a.name).key;
  const gidOf = (g: string) => groupFacts.get(g)!.gid;
  // `id -Gn` lists the primary group first, then the supplementary ones.
  const [nowPrimary = a.name, ...rest] = now.groups;
  const supplementary = rest.filter((g) => g !== nowPrimary);
  let primary = nowPrimary;
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
  const moved = a.home !== undefined && a.home !== now.home;
  // usermod -m refuses a home that is there already (after changing the passwd entry): refused before anything.
  if (moved && a.move_home && facts.get(fileFact(a.home!)).state !== 'absent') {
    throw new Error(`user ${a.name}: move_home: ${a.home} exists already (usermod --move-home refuses to move a home onto it)`);
  }
  if (moved) {
    argv.push('--home', a.home!, ...(a.move_home ? ['--move-home'] : []));
    notes.push(`home ${a.home} (was ${now.home}; files ${a.move_home ? 'moved' : 'not moved'})`);
    next.home = a.home!;
  }
  if (a.comment !== undefined && a.comment !== (now.comment ?? '')) {
    argv.push('--comment', a.comment);
    notes.push(`comment ${JSON.stringify(a.comment)} (was ${JSON.stringify(now.comment ?? '')})`);
    next.comment = a.comment;
  }
  let shadow: ShadowEntry | undefined;
  let password: string | undefined;
  if (needsShadow(a)) {
    const s = facts.get(shadowFact(a.name));
    if (!s.exists) throw new Error(`user ${a.name}: no entry in /etc/shadow to set password, password_lock or expires in`);
    const pw = planPassword(a, s);
    shadow = pw.after;
    password = pw.set;
    if (a.expires !== undefined) {
      const e = modifyExpires(a.expires, s.expires);
      if (e !== undefined) {
        argv.push('--expiredate', e);
        notes.push(`expires ${e || 'never'} (was ${s.expires < 0 ? 'never' : new Date(s.expires * 86400000).toISOString().slice(0, 10)})`);
        shadow = { ...shadow, expires: daysOf(e) };
      }
    }
    if (pw.lockFlag) {
      argv.push(pw.lockFlag);
      notes.push(pw.lockFlag === '--lock' ? 'password locked' : 'password unlocked');
    }
  }
  if (!argv.length) return { after: next, primary, home: next.home, shadow, password };
  // Under a new home not moved there, authorized_keys are whatever is there already.
  const known: Effect = moved && !a.move_home ? { key, unknown: true } : { key, value: next };
  // A new primary group: the old one and the new one change whose primary group they are.
  const more: Effect[] = primary !== nowPrimary ? [nowPrimary, primary].map((g) => ({ key: groupFact(g).key, unknown: true })) : [];
  // usermod --uid gives the files of the home to the new uid: their facts hold the old one; --move-home moves them.
  if (next.uid !== now.uid || (moved && a.move_home)) more.push(...homeEffects(now.home));
  if (moved && a.move_home) more.push(...homeEffects(next.home));
  if (moved || next.uid !== now.uid) more.push({ prefix: homeFactPrefix(a.name), unknown: true });
  if (shadow) more.push({ key: shadowFact(a.name).key, value: shadow });
  return {
    change: { summary: `user ${a.name}: ${notes.join(', ')}`, steps: [{ exec: ['usermod', ...argv, '--', a.name] }], effects: [known, ...memberEffects(a, groupFacts, joined, left), ...more] },
    after: next, primary, home: next.home, shadow, password,
  };
}
