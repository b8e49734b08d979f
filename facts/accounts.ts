// Account facts shared by modules: users and groups.
import { type FactDef, readOnly } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

export type UserState =
  | { exists: false }
  | { exists: true; uid: number; gid: number; home: string; shell: string; groups: string[]; authorizedKeys?: string;
    /** The GECOS field (the user module's `comment`). */
    comment?: string;
    /** Who owns the home directory; absent when there is none. */
    homeOwner?: string };

/** A user's passwd entry (its comment too), supplementary groups, who owns its home, and its authorized_keys text. */
export function userFact(name: string): FactDef<UserState> {
  const n = shq(name);
  return {
    key: `user:${name}`,
    script: [
      `e=$(getent passwd ${n}) || { echo absent; exit 0; }; printf '%s\\n' "$e";`,
      `id -Gn ${n} | tr ' ' ','; h=$(printf '%s\\n' "$e" | cut -d: -f6); stat -c %U "$h" 2>/dev/null || echo;`,
      `if [ -f "$h/.ssh/authorized_keys" ]; then echo keys; cat "$h/.ssh/authorized_keys"; fi`,
    ].join(' '),
    parse(out) {
      const lines = out.split('\n');
      if (lines[0] === 'absent') return { exists: false };
      const [, , uid, gid, comment, home, shell] = lines[0].split(':');
      const u: UserState = { exists: true, uid: Number(uid), gid: Number(gid), home, shell, comment, groups: (lines[1] ?? '').split(',').filter(Boolean) };
      if (lines[2]) u.homeOwner = lines[2];
      if (lines[3] === 'keys') u.authorizedKeys = lines.slice(4).join('\n');
      return u;
    },
  };
}

/** A group: its gid, its listed members, and the users whose primary group it is (groupdel refuses those). */
export type GroupState = { exists: false } | { exists: true; gid: number; members: string[]; primaryOf?: string[] };

export function groupFact(name: string): FactDef<GroupState> {
  return {
    key: `group:${name}`,
    script: `l=$(getent group ${shq(name)}) || { echo absent; exit 0; }; echo "$l"; ` +
      `g=$(echo "$l" | cut -d: -f3); getent passwd | awk -F: -v g="$g" '$4 == g { printf "%s,", $1 }'; echo`,
    parse(out) {
      const [line = '', primary = ''] = out.trim().split('\n');
      if (line === 'absent' || !line) return { exists: false };
      const [, , gid, members = ''] = line.split(':');
      return { exists: true, gid: Number(gid), members: members.split(',').filter(Boolean), primaryOf: primary.split(',').filter(Boolean) };
    },
  };
}

/** The facts that say whether an owner and a group named in a task's arguments exist. */
export function ownerFacts(a: { owner?: string; group?: string }): FactDef[] {
  return [...(a.owner ? [readOnly(userFact(a.owner))] : []), ...(a.group ? [readOnly(groupFact(a.group))] : [])];
}

/** Refuses an owner or group the host does not have (chown would fail half-way through a change). */
export function requireOwner(a: { owner?: string; group?: string }, facts: { get<T>(def: FactDef<T>): T }, module: string): void {
  if (a.owner && !facts.get(userFact(a.owner)).exists) throw new Error(`${module}: no user "${a.owner}" on this host (owner)`);
  if (a.group && !facts.get(groupFact(a.group)).exists) throw new Error(`${module}: no group "${a.group}" on this host (group)`);
}

/** The numbers of the owner and group a task names, as the host knows them (undefined where it does not). */
export function ownerIds(a: { owner?: string; group?: string }, facts: { get<T>(def: FactDef<T>): T }): { uid?: number; gid?: number } {
  const u = a.owner ? facts.get(userFact(a.owner)) : undefined;
  const g = a.group ? facts.get(groupFact(a.group)) : undefined;
  return { uid: u?.exists ? u.uid : undefined, gid: g?.exists ? g.gid : undefined };
}

/**
 * The key prefix of facts about what is in a user's home (its ~/.meteor, say). A user created, removed, or given
 * another home makes every such fact unknown (the user module declares it); a module keys its home facts so.
 */
export const homeFactPrefix = (user: string) => `home:${user}:`;
