// The user module's view of /etc/shadow (read as root: tasks that manage users run with become): a user's password
// field kept only as a digest of the hash (the hash itself never leaves the host, nor reaches any output) with its
// count of leading '!' (a lock), and the account's expiry in days; and Ansible's rules (ansible.builtin.user,
// modify_user_usermod) deciding what `expires`, `password_lock` and `password` change there.
import { createHash } from 'node:crypto';
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';

/** A shadow entry: `bangs` leading '!', the sha256 of the rest (`digest`), the expiry in days since 1970 (-1: none). */
export type ShadowState = { exists: false } | { exists: true; bangs: number; digest: string; expires: number };
export type ShadowEntry = Extract<ShadowState, { exists: true }>;

export const digestOf = (s: string) => createHash('sha256').update(s).digest('hex');
/** The digest of an empty password field (after its '!'): nothing to unlock to. */
export const EMPTY_DIGEST = digestOf('');
/** Python's str.lstrip('!'), as Ansible compares hashes. */
const lstripBang = (s: string) => s.replace(/^!+/, '');
export const bangsOf = (s: string) => s.length - lstripBang(s).length;

export function shadowFact(name: string): FactDef<ShadowState> {
  const n = shq(name);
  return {
    key: `shadow:${name}`,
    script: [
      `[ -r /etc/shadow ] || { echo unreadable; exit 0; };`,
      `l=$(getent shadow ${n}) || { echo absent; exit 0; };`,
      `p=$(printf '%s\\n' "$l" | cut -d: -f2); e=$(printf '%s\\n' "$l" | cut -d: -f8); s=$p;`,
      `while [ "\${s#!}" != "$s" ]; do s=\${s#!}; done;`,
      `echo "$((\${#p} - \${#s})) \${e:--1} $(printf '%s' "$s" | sha256sum | cut -d' ' -f1)"`,
    ].join(' '),
    parse(out) {
      const line = out.trim();
      if (line === 'unreadable') throw new Error('/etc/shadow cannot be read: password, password_lock and expires need the task to run as root (become: true)');
      if (line === 'absent') return { exists: false };
      const [bangs, expires, digest] = line.split(' ');
      return { exists: true, bangs: Number(bangs), expires: Number(expires), digest };
    },
  };
}

/** The latest `expires` usermod can be given (9999-12-31T23:59:59Z): a date after it has no YYYY-MM-DD. */
export const MAX_EXPIRES = 253402300799;

/** The day (since 1970, UTC) `expires` (epoch seconds) falls on, as Python's time.gmtime gives it. */
export const expiresDay = (expires: number) => Math.floor(Math.floor(expires) / 86400);

/** A day since 1970 as usermod's -e takes it (Ansible's DATE_FORMAT, '%Y-%m-%d'). */
export const ymd = (day: number) => new Date(day * 86400000).toISOString().slice(0, 10);

/** useradd's -e for `expires`: '' (none) when negative, else the date. */
export const createExpires = (expires: number) => (expires < 0 ? '' : ymd(expiresDay(expires)));

/**
 * usermod's -e for `expires` against the shadow's expiry (days, -1 for none), as Ansible decides it: a negative
 * `expires` removes an expiry there is; otherwise the dates (year, month, day) are compared. Undefined: no change.
 */
export function modifyExpires(expires: number, currentDays: number): string | undefined {
  if (expires < 0) return currentDays >= 0 ? '' : undefined;
  const day = expiresDay(expires);
  return currentDays < 0 || currentDays !== day ? ymd(day) : undefined;
}

/** The expiry in days a usermod/useradd -e value leaves. */
export const daysOf = (e: string) => (e === '' ? -1 : Date.parse(`${e}T00:00:00Z`) / 86400000);

export type PasswordPlan = {
  /** usermod's --lock or --unlock, when the lock changes and no password is set. */
  lockFlag?: '--lock' | '--unlock';
  /** The field to set with chpasswd -e (a hash, with '!' when password_lock). */
  set?: string;
  /** The entry afterwards. */
  after: ShadowEntry;
};

/**
 * What `password_lock`, `password` and `update_password` change on an existing user, as Ansible's usermod call:
 * -L if not locked, -U if locked (usermod leaves a bare '!' as it is), -p when the hash (without its '!') differs
 * and update_password is always; -p drops -L and -U, and takes the '!' itself.
 */
export function planPassword(a: { password?: string; password_lock?: boolean; update_password?: string }, now: ShadowEntry): PasswordPlan {
  const out: PasswordPlan = { after: { ...now } };
  if (a.password_lock && now.bangs === 0) {
    out.lockFlag = '--lock';
    out.after.bangs = 1;
  } else if (a.password_lock === false && now.bangs > 0) {
    out.lockFlag = '--unlock';
    // usermod -U refuses to leave an empty password: a field of '!' alone stays.
    if (!(now.bangs === 1 && now.digest === EMPTY_DIGEST)) out.after.bangs = now.bangs - 1;
  }
  if ((a.update_password ?? 'always') === 'always' && a.password !== undefined && digestOf(lstripBang(a.password)) !== now.digest) {
    out.lockFlag = undefined;
    out.set = a.password_lock ? `!${a.password}` : a.password;
    out.after = { ...now, bangs: bangsOf(out.set), digest: digestOf(lstripBang(out.set)) };
  }
  return out;
}

/** The entry a new user gets: useradd's '!' (no password), or the password given (with '!' when password_lock). */
export function createdShadow(a: { password?: string; password_lock?: boolean; expires?: number }): ShadowEntry {
  const field = a.password === undefined ? '!' : a.password_lock ? `!${a.password}` : a.password;
  return { exists: true, bangs: bangsOf(field), digest: digestOf(lstripBang(field)), expires: a.expires === undefined ? -1 : daysOf(createExpires(a.expires)) };
}
