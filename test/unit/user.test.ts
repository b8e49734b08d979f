// The user module's shadow rules (modules/user/shadow.ts) against Ansible's own code: /usr/bin/python3 imports
// ansible.modules.user, makes its User with a stand-in AnsibleModule whose user_info/user_password give the case's
// shadow entry, and records the usermod (modify_user_usermod) and useradd (create_user_useradd) command lines it
// would run. Their -e (expires), -L/-U (password_lock) and -p (password, update_password) must be what provision plans.
// And what generate_ssh_key registers: the key fact's script run here on key files, against Ansible's
// ssh_key_fingerprint and get_ssh_public_key on the same files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ShadowEntry, bangsOf, createExpires, digestOf, modifyExpires, planPassword } from '../../modules/user/shadow.ts';
import { keyFact } from '../../modules/user/ssh-key.ts';

const ORACLE = `
import json, sys
from ansible.modules import user as U

SPEC = dict(state='present', name='deploy', uid=None, non_unique=False, group=None, groups=None, comment=None, home=None,
            shell=None, password=None, login_class=None, password_expire_max=None, password_expire_min=None, hidden=None,
            seuser=None, force=False, remove=False, create_home=True, skeleton=None, system=False, move_home=False,
            append=False, generate_ssh_key=None, ssh_key_bits=0, ssh_key_type='rsa', ssh_key_file=None,
            ssh_key_comment='c', ssh_key_passphrase=None, update_password='always', expires=None, password_lock=None,
            local=None, profile=None, authorization=None, role=None, umask=None)

class Module:
    check_mode = False
    def __init__(self, params): self.params = params
    def get_bin_path(self, name, required=False): return name
    def warn(self, msg): pass
    def debug(self, msg): pass
    def fail_json(self, **kw): raise Exception(kw.get('msg'))

out = []
for c in json.load(sys.stdin):
    u = U.User(Module(dict(SPEC, **c['args'])))
    ran = []
    u.execute_command = lambda cmd, **kw: (ran.append([str(x) for x in cmd]), (0, '', ''))[1]
    u.user_info = lambda: ['deploy', c['field'], 1001, 1001, '', '/home/deploy', '/bin/sh']
    u.user_password = lambda: (c['field'], c['days'])
    u.user_exists = lambda: c['exists']
    u.group_exists = lambda g: False
    u._check_usermod_append = lambda: True
    (u.modify_user_usermod if c['exists'] else u.create_user_useradd)()
    out.append(ran[0][1:-1] if ran else [])
print(json.dumps(out))
`;

type Case = { args: { expires?: number; password?: string; password_lock?: boolean; update_password?: 'always' | 'on_create' }; field: string; days: number; exists: boolean };

function ansible(cases: Case[]): string[][] {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE], { input: JSON.stringify(cases), encoding: 'utf8' })) as string[][];
}

const entry = (field: string, days: number): ShadowEntry =>
  ({ exists: true, bangs: bangsOf(field), digest: digestOf(field.replace(/^!+/, '')), expires: days });

/** What provision's rules give for an existing user, written as Ansible's usermod options. */
function mine(c: Case): string[] {
  const out: string[] = [];
  if (c.args.expires !== undefined) {
    const e = modifyExpires(c.args.expires, c.days);
    if (e !== undefined) out.push('-e', e);
  }
  const pw = planPassword(c.args, entry(c.field, c.days));
  if (pw.lockFlag) out.push(pw.lockFlag === '--lock' ? '-L' : '-U');
  if (pw.set !== undefined) out.push('-p', pw.set);
  return out;
}

test('expires: the date usermod is given, or none, as Ansible compares it with the shadow\'s days', () => {
  const EXPIRES = [-1, -86400.5, -0.5, 0, 0.5, 86399.9, 86400, 1700000000, 1893455999.999, 1893456000, 1893456000.25, 1893542399, 4102444800, 253402300799];
  const DAYS = [-1, 0, 1, 19675, 21914, 21915, 21916, 47482, 99999];
  const cases: Case[] = EXPIRES.flatMap((expires) => DAYS.map((days) => ({ args: { expires }, field: '!', days, exists: true })));
  const theirs = ansible(cases);
  const wrong = cases.map((c, i) => ({ c, want: theirs[i], got: mine(c) })).filter((x) => JSON.stringify(x.want) !== JSON.stringify(x.got));
  assert.equal(wrong, [], JSON.stringify(wrong.slice(0, 5)));
  assert.ok(theirs.some((t) => t.length) && theirs.some((t) => !t.length), 'the grid has both changes and none');
});

test('expires on a new user: useradd -e as Ansible gives it', () => {
  const EXPIRES = [-1, -0.5, 0, 86399.9, 1893456000, 1893455999.5, 253402300799];
  const cases: Case[] = EXPIRES.map((expires) => ({ args: { expires }, field: '', days: -1, exists: false }));
  const theirs = ansible(cases);
  cases.forEach((c, i) => {
    const at = theirs[i].indexOf('-e');
    assert.ok(at >= 0, `useradd -e for ${c.args.expires}`);
    assert.is(createExpires(c.args.expires!), theirs[i][at + 1], `expires ${c.args.expires}`);
  });
});

test('password, password_lock and update_password: the -L, -U and -p Ansible gives usermod', () => {
  const HASH = '$6$salt$' + 'a'.repeat(86);
  const OTHER = '$6$pepper$' + 'b'.repeat(86);
  const FIELDS = ['!', '!*', '', '*', HASH, `!${HASH}`, `!!${HASH}`, OTHER, '!!'];
  const PASSWORDS = [undefined, HASH, `!${HASH}`, OTHER, '*'];
  const LOCKS = [undefined, true, false];
  const UPDATES = ['always', 'on_create'] as const;
  const cases: Case[] = FIELDS.flatMap((field) => PASSWORDS.flatMap((password) => LOCKS.flatMap((password_lock) => UPDATES.map((update_password) =>
    ({ args: { password, password_lock, update_password }, field, days: -1, exists: true })))));
  const theirs = ansible(cases);
  const wrong = cases.map((c, i) => ({ c, want: theirs[i], got: mine(c) })).filter((x) => JSON.stringify(x.want) !== JSON.stringify(x.got));
  assert.equal(wrong, [], JSON.stringify(wrong.slice(0, 5)));
  assert.ok(theirs.filter((t) => t.includes('-p')).length > 10 && theirs.some((t) => t.includes('-L')) && theirs.some((t) => t.includes('-U')));
});

test('a new user\'s password: useradd -p as Ansible gives it (with \'!\' under password_lock)', () => {
  const HASH = '$6$salt$' + 'a'.repeat(86);
  const cases: Case[] = [undefined, true, false].map((password_lock) => ({ args: { password: HASH, password_lock }, field: '', days: -1, exists: false }));
  const theirs = ansible(cases);
  cases.forEach((c, i) => {
    const at = theirs[i].indexOf('-p');
    assert.is(theirs[i][at + 1], c.args.password_lock ? `!${HASH}` : HASH);
  });
});

const KEY_ORACLE = `
import json, sys
from ansible.modules import user as U

class Module:
    check_mode = False
    def __init__(self, params): self.params = params
    def get_bin_path(self, name, required=False): return name
    def run_command(self, cmd, **kw):
        import subprocess
        p = subprocess.run(cmd, capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr
    def warn(self, msg): pass
    def debug(self, msg): pass

out = []
for f in json.load(sys.stdin):
    params = dict(name='root', state='present', uid=None, hidden=None, non_unique=False, seuser=None, group=None, comment=None,
                  shell=None, password=None, force=False, remove=False, create_home=True, move_home=False, skeleton=None,
                  system=False, login_class=None, append=False, generate_ssh_key=True, ssh_key_bits=0, ssh_key_type='rsa',
                  ssh_key_comment='c', ssh_key_passphrase=None, update_password='always', home=None, password_lock=None,
                  local=None, profile=None, authorization=None, role=None, password_expire_max=None,
                  password_expire_min=None, umask=None, groups=None, expires=None, ssh_key_file=f)
    u = U.User(Module(params))
    rc, o, e = u.ssh_key_fingerprint()
    out.append(dict(ssh_fingerprint=o.strip() if rc == 0 else e.strip(), ssh_public_key=u.get_ssh_public_key()))
print(json.dumps(out))
`;

test('what generate_ssh_key registers of a key there: the fingerprint and public key Ansible reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'user-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-C', 'deploy@ci', '-N', '', '-f', join(dir, 'plain')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-C', 'with words and a \'quote\'', '-N', 'correct horse', '-f', join(dir, 'locked')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-C', 'c', '-N', '', '-f', join(dir, 'no-pub')]);
    rmSync(join(dir, 'no-pub.pub'));
    const files = ['plain', 'locked', 'no-pub'].map((f) => join(dir, f));
    const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', KEY_ORACLE], { input: JSON.stringify(files), encoding: 'utf8' })) as Array<Record<string, unknown>>;
    files.forEach((f, i) => {
      const fact = keyFact({ name: 'root', ssh_key_file: f });
      const r = execFileSync('sh', ['-c', fact.script], { encoding: 'utf8' });
      const k = fact.parse(r, 0);
      assert.ok(k.priv && k.dir && k.parent, f);
      assert.is(k.path, f);
      assert.equal({ ssh_fingerprint: k.fingerprint, ssh_public_key: k.publicKey }, theirs[i], f);
    });
    assert.is(theirs[2].ssh_public_key, null);
    assert.match(String(theirs[1].ssh_public_key), /^ssh-rsa \S+ with words/);
    assert.match(String(theirs[0].ssh_fingerprint), /^256 SHA256:\S+ deploy@ci \(ED25519\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
