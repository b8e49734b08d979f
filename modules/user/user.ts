// user: a local user present (uid, groups, shell, home, comment, password, lock, expiry, authorized_keys, an ssh
// key pair) or absent, as ansible.builtin.user does it on Debian. account.ts plans useradd/usermod, shadow.ts reads
// /etc/shadow and holds Ansible's rules for password, password_lock and expires, ssh-key.ts generate_ssh_key.
import { createHash } from 'node:crypto';
import { groupFact, homeFactPrefix, userFact } from '../../facts/accounts.ts';
import { fileContentFact, fileFact } from '../../facts/files.ts';
import { type Change, type Effect, type Facts, defineModule } from '../../engine/module.ts';
import { accountNameSchema, idSchema } from '../group.ts';
import { type AccountPlan, type GroupFacts, type UserArgs, groupNames, homeEffects, needsShadow, planCreate, planModify } from './account.ts';
import { MAX_EXPIRES, shadowFact } from './shadow.ts';
import { keyChange, keyFact, parseReport, reportStep } from './ssh-key.ts';

export type { UserArgs } from './account.ts';

const absPath = { type: 'string', pattern: '^/[^\\n]*$', description: 'an absolute path' } as const;
const oneLine = (description: string) => ({ type: 'string', pattern: '^[^\\r\\n]*$', description }) as const;

/** authorized_keys text as a set of its non-empty lines. */
const keySet = (text: string | undefined) => new Set((text ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean));

/** What Ansible's module returns of a present user: its passwd fields, the arguments it echoes, the ssh key's. */
function result(a: UserArgs, created: boolean, passwd: string | undefined, key?: { path: string; fingerprint?: string; publicKey?: string | null }) {
  const r: Record<string, unknown> = { name: a.name, state: a.state ?? 'present' };
  Object.assign(r, created ? { system: a.system ?? false, create_home: a.create_home ?? true } : { append: a.append ?? false, move_home: a.move_home ?? false });
  if (a.password !== undefined) r.password = 'NOT_LOGGING_PASSWORD';
  if (passwd) {
    const [, , uid, gid, comment, home, shell] = passwd.split(':');
    Object.assign(r, { uid: Number(uid), group: Number(gid), comment, home, shell });
  }
  if (a.groups) r.groups = a.groups.join(',');
  if (a.generate_ssh_key && key) Object.assign(r, { ssh_fingerprint: key.fingerprint ?? '', ssh_key_file: key.path, ssh_public_key: key.publicKey ?? null });
  return r;
}

export default defineModule<UserArgs>({
  name: 'user',
  fqcn: ['ansible.builtin.user', 'ansible.legacy.user'],
  aliases: { user: 'name', createhome: 'create_home' },
  description: 'Create, update or remove a local user: uid, groups, shell, home, comment, password, lock, expiry, authorized_keys, an ssh key pair.',
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
      move_home: { type: 'boolean', default: false, description: 'usermod --move-home when home changes' },
      comment: { type: 'string', pattern: '^[^:\\r\\n]*$', description: 'a GECOS field without ":" or a newline' },
      authorized_keys: { type: 'array', items: oneLine('one line of authorized_keys') },
      remove: { type: 'boolean' },
      password: { type: 'string', pattern: '^[^:\\r\\n]*$', description: 'a crypt hash, without ":" or a newline' },
      update_password: { enum: ['always', 'on_create'], default: 'always' },
      password_lock: { type: 'boolean' },
      expires: { type: 'number', maximum: MAX_EXPIRES, description: 'seconds since 1970 (negative: no expiry), at most 9999-12-31' },
      generate_ssh_key: { type: 'boolean' },
      ssh_key_bits: { type: 'integer', minimum: 0, default: 0 },
      ssh_key_type: { enum: ['rsa', 'dsa', 'ecdsa', 'ed25519', 'ecdsa-sk', 'ed25519-sk'], default: 'rsa' },
      ssh_key_file: { type: 'string', pattern: '^[^\\r\\n]+$', description: 'a path (relative: in the home)' },
      ssh_key_comment: oneLine('one line'),
      ssh_key_passphrase: oneLine('one line'),
    },
  },
  // Without a group of its own named, the group named after the user matters: useradd joins it if it is there.
  facts: (a) => [userFact(a.name), ...(a.state === 'absent' ? [] : [...groupNames(a), ...(a.group ? [] : [a.name])].map(groupFact)),
    ...(needsShadow(a) ? [shadowFact(a.name)] : []), ...(a.state !== 'absent' && a.generate_ssh_key ? [keyFact(a)] : []),
    ...(a.state !== 'absent' && a.move_home && a.home ? [fileFact(a.home)] : [])],
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
          ...(remove ? homeEffects(now.home) : []), { prefix: homeFactPrefix(a.name), unknown: true }, { key: shadowFact(a.name).key, value: { exists: false } }],
      }];
    }
    const groupFacts: GroupFacts = new Map();
    for (const g of groupNames(a)) {
      const fact = facts.get(groupFact(g));
      if (!fact.exists) throw new Error(`user ${a.name}: no group "${g}" on this host (create it first with the group module)`);
      groupFacts.set(g, fact);
    }
    const acct: AccountPlan = now.exists ? planModify(a, now, facts, groupFacts) : planCreate(a, facts, groupFacts);
    const changes: Change[] = acct.change ? [acct.change] : [];
    const { after, primary, home } = acct;

    if (acct.password !== undefined) {
      // chpasswd -e takes the hash on stdin: no command line, nor the task's report, ever holds it.
      changes.push({
        summary: `password of ${a.name} set${acct.password.startsWith('!') ? ' (locked)' : ''}`,
        steps: [{ exec: ['chpasswd', '-e'], stdin: `${a.name}:${acct.password}\n` }],
        effects: [{ key: shadowFact(a.name).key, value: acct.shadow }],
        sensitive: true,
      });
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

    const k = a.generate_ssh_key ? facts.get(keyFact(a)) : undefined;
    if (k) {
      if (now.exists && a.home !== undefined && a.home !== now.home && a.move_home && !a.ssh_key_file?.startsWith('/')) {
        throw new Error(`user ${a.name}: generate_ssh_key with a relative ssh_key_file is not supported in the task that moves the home (move_home): generate it in a task after`);
      }
      const willHaveHome = now.exists ? false : a.create_home !== false;
      const made = keyChange(a, k, { willHaveHome });
      if (made) changes.push(made);
    }
    // What register records of the key (and the user) once the changes ran: read by a last step (returnsChanged).
    const last = changes.at(-1);
    if (last && k) changes[changes.length - 1] = { ...last, steps: [...last.steps, reportStep(a.name, k.path)] };
    return changes;
  },
  // usermod -U leaves a bare '!' locked (Ansible then reports changed on every run): planning again cannot confirm.
  verifiable: (a) => !(a.password_lock === false && a.password === undefined),
  returns(a, facts: Facts) {
    if (a.state === 'absent') return { name: a.name, state: 'absent' };
    const u = facts.get(userFact(a.name));
    const k = a.generate_ssh_key ? facts.get(keyFact(a)) : undefined;
    const passwd = u.exists ? `${a.name}:x:${u.uid}:${u.gid}:${u.comment ?? ''}:${u.home}:${u.shell}` : undefined;
    return result(a, false, passwd, k);
  },
  returnsChanged(a, facts, _changes, stdout) {
    if (a.state === 'absent') return { name: a.name, state: 'absent', force: false, remove: a.remove ?? false };
    const created = !facts.get(userFact(a.name)).exists;
    // Only a task with generate_ssh_key ends with the step that reads the passwd entry and the key (reportStep).
    if (!a.generate_ssh_key) return result(a, created, undefined);
    const [passwd, ...rest] = stdout.split('\n');
    const k = facts.get(keyFact(a));
    return result(a, created, passwd.includes(':') ? passwd : undefined, { path: k.path, ...parseReport(rest) });
  },
});
