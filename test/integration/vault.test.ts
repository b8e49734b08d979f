// Vault on a real host: variables of an encrypted group_vars file reach the host, and no output of any run
// that uses them (text, --diff, --json, --check, a failure quoting one, `vars`) shows their values.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { type CliResult, provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('vault');
let lab: TestLab;
let ssh: SshConnection[] = [];
const dir = mkdtempSync(join(tmpdir(), 'provision-vault-'));
const inv = join(dir, 'inv');
const pwFile = join(dir, 'vault-pass');
const SECRETS = ['Vt-app-secret-9Q2', 'hunter2-db-pass', 'nested-deep-value'];
const outputs: Array<{ args: string; out: string }> = [];
const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
  const r = await provision(args, { env });
  outputs.push({ args: args.join(' '), out: r.stdout + r.stderr });
  return r;
};
const playbook = join(dir, 'site.yml');

useLab(test, 'vt', 1, (l, s) => { lab = l; ssh = s; });

test.before(async () => {
  mkdirSync(join(inv, 'group_vars'), { recursive: true });
  const h = lab.hosts[0];
  writeFileSync(join(inv, 'hosts.yml'), `all:\n  vars:\n    ansible_ssh_private_key_file: ${lab.key}\n    known_hosts: ${lab.knownHosts}\n` +
    `  hosts:\n    ${h.name}:\n      ansible_host: ${h.address}\n`);
  // Innocent names: only the vault makes them secret.
  writeFileSync(join(inv, 'group_vars', 'all.yml'), `app_key: ${SECRETS[0]}\ndb_url: "postgres://app:${SECRETS[1]}@db/app"\nextra:\n  deep: ${SECRETS[2]}\n`);
  writeFileSync(pwFile, 'lab vault password\n', { mode: 0o600 });
  const enc = await provision(['vault', 'encrypt', join(inv, 'group_vars', 'all.yml'), '--vault-password-file', pwFile]);
  assert.is(enc.code, 0, enc.stderr);
  assert.not.ok(SECRETS.some((s) => readFileSync(join(inv, 'group_vars', 'all.yml'), 'utf8').includes(s)), 'encrypted file holds a secret');
  writeFileSync(playbook, `- hosts: all\n  tasks:\n` +
    `    - name: app config\n      copy: { content: "key={{ app_key }}\\ndb={{ db_url }}\\ndeep={{ extra.deep }}\\n", dest: /root/vt-app.conf }\n` +
    `    - name: a command with the secret in its argv\n      command: { argv: [sh, -c, "echo {{ app_key }} > /root/vt-echo", "{{ db_url }}"] }\n`);
});

test('a run uses the vault values on the host, and shows none of them (text, --diff, --json, --check)', async () => {
  const check = await run(['apply', playbook, '-i', inv, '--vault-password-file', pwFile, '--check', '--diff']);
  assert.is(check.code, 0, check.stdout + check.stderr);
  const first = await run(['apply', playbook, '-i', inv, '--vault-password-file', pwFile, '--diff']);
  assert.is(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, '********');
  assert.is((await sh(ssh[0], 'cat /root/vt-app.conf')), `key=${SECRETS[0]}\ndb=postgres://app:${SECRETS[1]}@db/app\ndeep=${SECRETS[2]}\n`);
  assert.is((await sh(ssh[0], 'cat /root/vt-echo')).trim(), SECRETS[0]);
  await sh(ssh[0], 'echo old > /root/vt-app.conf');
  const json = await run(['apply', playbook, '-i', inv, '--json', '--diff'], { PROVISION_VAULT_PASSWORD: 'lab vault password' });
  assert.is(json.code, 0, json.stderr);
  assert.match(json.stdout, 'it holds a sensitive value: not shown');
});

test('a failing task that prints a vault value: the error is masked', async () => {
  const failing = join(dir, 'fail.yml');
  writeFileSync(failing, '- hosts: all\n  tasks:\n    - name: fails quoting it\n      command: { shell: "echo {{ app_key }} {{ extra.deep }} >&2; exit 3" }\n');
  for (const extra of [[], ['--json']]) {
    const r = await run(['apply', failing, '-i', inv, '--vault-password-file', pwFile, ...extra]);
    assert.is(r.code, 1);
    assert.match(r.stdout, '********');
  }
});

test('vars shows vault variables masked; a wrong password is one clear line naming the file', async () => {
  const v = await run(['vars', lab.hosts[0].name, '-i', inv, '--vault-password-file', pwFile]);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /app_key\s+"?\*{8}/);
  writeFileSync(join(dir, 'wrong'), 'not the password\n', { mode: 0o600 });
  const w = await run(['apply', playbook, '-i', inv, '--vault-password-file', join(dir, 'wrong')]);
  assert.is(w.code, 4);
  assert.is(w.stderr.trim().split('\n').length, 1, w.stderr);
  assert.match(w.stderr, /^provision: \S*\/inv\/group_vars\/all\.yml: cannot decrypt: wrong vault password, or the file was changed after it was encrypted$/m);
});

test('no output of any of these runs holds a vault value', () => {
  assert.ok(outputs.length >= 7);
  for (const { args, out } of outputs) {
    for (const s of SECRETS) assert.not.ok(out.includes(s), `\`provision ${args}\` printed ${s}:\n${out}`);
  }
});

test.run();
