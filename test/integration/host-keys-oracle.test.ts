// OpenSSH as the oracle for host keys: a table of known_hosts files and host names (wildcards, negations, case,
// [host]:port, hashed names, @revoked forms, @cert-authority, a wrong key, an RSA key), each tried on a real lab
// host with `ssh -o StrictHostKeyChecking=yes` and with `provision apply`, which must give the same verdict (the
// few cases where provision refuses on purpose say why). The host's sshd gets a second port (2222) and an RSA
// host key; a second sshd on port 2200 presents an ed25519 host certificate signed by a CA of the test. Names
// resolve through a private /etc/hosts (a mount namespace per run).
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SshConnection } from '../../engine/transport/ssh.ts';
import { ed25519KeyPair } from '../../providers/keygen.ts';
import { bin } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('host keys: OpenSSH as the oracle');
let lab: TestLab;
let conn: SshConnection;
useLab(test, 'hk2', 1, (l, ssh) => { lab = l; conn = ssh[0]; });

const dir = mkdtempSync(join(tmpdir(), 'provision-hk2-'));
const home = join(dir, 'home'); // provision's ~/.ssh/known_hosts: none, so FILE alone decides, as for ssh
const hosts = join(dir, 'hosts');
const file = join(dir, 'known_hosts');
const inv = join(dir, 'hosts.yml');
const playbook = join(dir, 'true.yml');
/** Placeholders of the table: the host's address, its real keys, the CA of its certificate, keys it does not have. */
const k = { ADDR: '', ED: '', RSA: '', CA: '', WRONG: '', ECDSA: '' };

type Verdict = 'accept' | 'refuse';
type Case = {
  what: string; host?: string; port?: number; lines: string[];
  /** Hash the file with `ssh-keygen -H`. */
  hash?: boolean;
  /** OpenSSH's verdict, checked against ssh every run. */
  openssh: Verdict;
  /** Where provision differs on purpose, its verdict; what its refusal must say. */
  provision?: { verdict: Verdict; why: RegExp };
};

const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};
const cert = { verdict: 'refuse' as const, why: /provision does not support host certificates .*List the host's own key instead/ };

const cases: Case[] = [
  { what: 'the address, its key', lines: ['ADDR ED'], openssh: 'accept' },
  { what: 'the address, a wrong key', lines: ['ADDR WRONG'], openssh: 'refuse' },
  { what: 'listed under another name only', lines: ['10.9.9.9,other ED'], openssh: 'refuse' },
  { what: 'wildcard *', lines: ['* ED'], openssh: 'accept' },
  { what: 'wildcard on the last octet', lines: ['STAR_OCTET ED'], openssh: 'accept' },
  { what: 'wildcard ? for the last character', lines: ['QMARK ED'], openssh: 'accept' },
  { what: 'a list with the address', lines: ['10.9.9.9,ADDR,other ED'], openssh: 'accept' },
  { what: 'negation first: !ADDR,*', lines: ['!ADDR,* ED'], openssh: 'refuse' },
  { what: 'negation after: *,!ADDR', lines: ['*,!ADDR ED'], openssh: 'refuse' },
  { what: 'negation of another host: !10.9.9.9,*', lines: ['!10.9.9.9,* ED'], openssh: 'accept' },
  { what: 'a negation alone: !10.9.9.9', lines: ['!10.9.9.9 ED'], openssh: 'refuse' },
  { what: 'name: file lower case, ssh upper case', host: 'Web.LAB', lines: ['web.lab ED'], openssh: 'accept' },
  { what: 'name: file upper case', host: 'web.lab', lines: ['WEB.Lab ED'], openssh: 'accept' },
  { what: 'name: pattern *.LAB', host: 'web.lab', lines: ['*.LAB ED'], openssh: 'accept' },
  { what: 'name: pattern, negated name', host: 'web.lab', lines: ['*.lab,!WEB.* ED'], openssh: 'refuse' },
  { what: 'port 2222: [ADDR]:2222', port: 2222, lines: ['[ADDR]:2222 ED'], openssh: 'accept' },
  { what: 'port 2222: [*.lab]:2222', host: 'web.lab', port: 2222, lines: ['[*.lab]:2222 ED'], openssh: 'accept' },
  { what: 'port 2222: [*.lab]:2222 on port 22', host: 'web.lab', lines: ['[*.lab]:2222 ED'], openssh: 'refuse' },
  { what: 'port 2222: a bare line with its key', port: 2222, lines: ['ADDR ED'], openssh: 'accept' },
  { what: 'port 2222: a bare line with a wrong key', port: 2222, lines: ['ADDR WRONG'], openssh: 'refuse' },
  { what: 'port 2222: own line wrong, bare line right', port: 2222, lines: ['[ADDR]:2222 WRONG', 'ADDR ED'], openssh: 'refuse' },
  { what: 'port 22: [ADDR]:22', lines: ['[ADDR]:22 ED'], openssh: 'refuse' },
  { what: 'hashed (ssh-keygen -H): name', host: 'web.lab', lines: ['web.lab ED'], hash: true, openssh: 'accept' },
  { what: 'hashed: name in upper case, either side', host: 'WEB.lab', lines: ['Web.Lab ED'], hash: true, openssh: 'accept' },
  { what: 'hashed: [name]:2222', host: 'web.lab', port: 2222, lines: ['[web.lab]:2222 ED'], hash: true, openssh: 'accept' },
  { what: 'hashed: a list, each name hashed', lines: ['other,ADDR ED'], hash: true, openssh: 'accept' },
  { what: 'hashed: the address, a wrong key', lines: ['ADDR WRONG'], hash: true, openssh: 'refuse' },
  { what: '@revoked *', lines: ['ADDR ED', '@revoked * ED'], openssh: 'refuse' },
  { what: '@revoked, the address', lines: ['@revoked ADDR ED', '* ED'], openssh: 'refuse' },
  { what: '@revoked, a wildcard on the octet', lines: ['ADDR ED', '@revoked STAR_OCTET ED'], openssh: 'refuse' },
  { what: '@revoked, hashed name', lines: ['ADDR ED', '@revoked HASHED_ADDR ED'], openssh: 'refuse' },
  { what: '@revoked, upper-case name', host: 'web.lab', lines: ['web.lab ED', '@revoked WEB.LAB ED'], openssh: 'refuse' },
  { what: '@revoked [*]:2222 on port 2222', port: 2222, lines: ['[ADDR]:2222 ED', '@revoked [*]:2222 ED'], openssh: 'refuse' },
  { what: '@revoked * on port 2222, bare line', port: 2222, lines: ['ADDR ED', '@revoked * ED'], openssh: 'refuse' },
  { what: '@revoked for another host', lines: ['ADDR ED', '@revoked 10.9.9.9 ED'], openssh: 'accept' },
  { what: '@revoked !ADDR,*', lines: ['ADDR ED', '@revoked !ADDR,* ED'], openssh: 'accept' },
  { what: '@revoked *, another key', lines: ['ADDR ED', '@revoked * WRONG'], openssh: 'accept' },
  { what: '@revoked<TAB>* (OpenSSH 9.2 misreads the marker)', lines: ['ADDR ED', '@revoked\t* ED'], openssh: 'accept',
    provision: { verdict: 'refuse', why: /is marked @revoked in .* line 2/ } },
  { what: '@REVOKED * (not a marker; OpenSSH ignores the line)', lines: ['ADDR ED', '@REVOKED * ED'], openssh: 'accept',
    provision: { verdict: 'refuse', why: /line 2 starts with `@REVOKED`, which is not a known_hosts marker/ } },
  { what: '@cert-authority *, the host has no certificate', lines: ['@cert-authority * CA'], openssh: 'refuse', provision: cert },
  { what: 'certificate: @cert-authority * only', port: 2200, lines: ['@cert-authority * CA'], openssh: 'accept', provision: cert },
  { what: 'certificate: @cert-authority *.lab only, by name', host: 'web.lab', port: 2200, lines: ['@cert-authority *.lab CA'],
    openssh: 'accept', provision: cert },
  { what: 'certificate: @cert-authority and a wrong plain key', port: 2200, lines: ['@cert-authority * CA', '[ADDR]:2200 WRONG'],
    openssh: 'accept', provision: cert },
  { what: 'certificate: @cert-authority for other hosts', host: 'web.lab', port: 2200, lines: ['@cert-authority *.example CA'],
    openssh: 'refuse' },
  { what: 'certificate: @cert-authority and its own key', port: 2200, lines: ['@cert-authority * CA', '[ADDR]:2200 ED'], openssh: 'accept' },
  // No CA listed: ssh takes the certificate, finds no CA for [ADDR]:2200, looks the bare name up, drops the
  // certificate there and finds the plain key: the wrong key of [ADDR]:2200 is never looked at. Without a
  // certificate (port 2222 above) ssh refuses, as provision does.
  { what: 'certificate, no CA: own line wrong, bare line right', port: 2200, lines: ['[ADDR]:2200 WRONG', 'ADDR ED'], openssh: 'accept',
    provision: { verdict: 'refuse', why: /has CHANGED/ } },
  { what: 'RSA key only', lines: ['ADDR RSA'], openssh: 'accept' },
  { what: 'RSA key by pattern, port 2222', port: 2222, lines: ['[STAR_OCTET]:2222 RSA'], openssh: 'accept' },
  { what: 'RSA key and a wrong ed25519 key', lines: ['ADDR RSA', 'ADDR WRONG'], openssh: 'refuse' },
  { what: 'port 2222: a bare line with its RSA key only', port: 2222, lines: ['ADDR RSA'], openssh: 'refuse' },
  { what: 'an ECDSA key the host does not have', lines: ['ADDR ECDSA'], openssh: 'refuse' },
  { what: 'RSA key revoked', lines: ['ADDR RSA', '@revoked * RSA'], openssh: 'refuse' },
];

/** A command inside a mount namespace of its own where /etc/hosts names the lab host web.lab. */
function inNamespace(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, ...argv],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function openssh(host: string, port: number): Promise<{ verdict: Verdict; why: string }> {
  const r = await inNamespace(['ssh', '-F', '/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${file}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'UpdateHostKeys=no', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10',
    '-p', String(port), '-i', lab.key, `root@${host}`, 'true']);
  if (r.code === 0) return { verdict: 'accept', why: '' };
  assert.match(r.stderr, 'Host key verification failed', `ssh failed for another reason: ${r.stderr}`);
  return { verdict: 'refuse', why: r.stderr.trim().split('\n').filter((l) => !l.startsWith('@')).slice(-2).join(' / ') };
}

async function provision(host: string, port: number): Promise<{ verdict: Verdict; why: string }> {
  writeFileSync(inv, `all:\n  hosts:\n    t:\n      ansible_host: ${host}\n      ansible_port: ${port}\n      ansible_user: root\n` +
    `      ansible_ssh_private_key_file: ${lab.key}\n      known_hosts: ${file}\n`);
  const r = await inNamespace([process.execPath, bin, 'apply', playbook, '-i', inv, '--json'], { HOME: home });
  const doc = JSON.parse(r.stdout) as { hosts: Record<string, { unreachable: boolean; failed: number; error?: string }> };
  const t = doc.hosts.t;
  if (r.code === 0) return { verdict: 'accept', why: '' };
  assert.ok(t.unreachable, `provision failed for another reason: ${r.stdout}`);
  assert.match(t.error ?? '', /host key|@revoked|marker|certificates/, t.error);
  return { verdict: 'refuse', why: t.error ?? '' };
}

/** The table's placeholders filled in; a hashed file made by ssh-keygen -H. */
function writeCase(c: Case): void {
  const octet = k.ADDR.replace(/\.\d+$/, '.*');
  // One pass over the table's text (a key's base64 is never scanned for placeholders); the hash goes in last.
  const fill = (l: string) => l.replace(/STAR_OCTET/g, octet).replace(/QMARK/g, `${k.ADDR.slice(0, -1)}?`)
    .replace(/\b(ADDR|ED|RSA|CA|WRONG|ECDSA)\b/g, (m) => k[m as keyof typeof k]).replace(/HASHED_ADDR/g, () => hashed(k.ADDR));
  writeFileSync(file, `${c.lines.map(fill).join('\n')}\n`);
  if (c.hash) {
    const h = spawnSync('ssh-keygen', ['-q', '-H', '-f', file], { encoding: 'utf8' });
    assert.is(h.status, 0, h.stderr);
    rmSync(`${file}.old`);
    assert.not.match(readFileSync(file, 'utf8'), /web|10\./, 'every name hashed');
  }
}

const table: string[] = [];

test.before(async () => {
  mkdirSync(home);
  k.ADDR = lab.hosts[0].address;
  k.ED = readFileSync(lab.knownHosts, 'utf8').trim().split(/\s+/).slice(1, 3).join(' ');
  k.WRONG = ed25519KeyPair().publicKey;
  const ecdsa = join(dir, 'ecdsa');
  assert.is(spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', ecdsa]).status, 0);
  k.ECDSA = readFileSync(`${ecdsa}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(hosts, `127.0.0.1 localhost\n${k.ADDR} web.lab\n`);
  writeFileSync(playbook, '- hosts: all\n  tasks:\n    - name: true\n      command: { argv: ["true"] }\n');
  // A CA, and the host's ed25519 key certified by it for its address and web.lab.
  const ca = join(dir, 'ca');
  assert.is(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hk2-ca', '-f', ca]).status, 0);
  writeFileSync(join(dir, 'host.pub'), `${k.ED}\n`);
  assert.is(spawnSync('ssh-keygen', ['-q', '-s', ca, '-I', 'hk2-1', '-h', '-n', `${k.ADDR},web.lab`, join(dir, 'host.pub')]).status, 0);
  k.CA = readFileSync(`${ca}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const lines = (l: string[]) => `printf '%s\\n' ${l.map((x) => `'${x}'`).join(' ')}`;
  const dropIn = ['Port 22', 'Port 2222', 'HostKey /etc/ssh/ssh_host_rsa_key', 'LogLevel DEBUG1'];
  const certSshd = ['Port 2200', 'HostKey /etc/ssh/ssh_host_ed25519_key', 'HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub',
    'PermitRootLogin prohibit-password', 'UseDNS no', 'PidFile /run/sshd-hk2-cert.pid'];
  const listening = (port: number) => `for i in $(seq 100); do ss -ltn | grep -q ":${port} " && break; sleep 0.1; done; ss -ltn | grep -q ":${port} "`;
  const r = await conn.exec('ssh-keygen -q -t rsa -b 3072 -N "" -f /etc/ssh/ssh_host_rsa_key && cat > /etc/ssh/ssh_host_ed25519_key-cert.pub && ' +
    `${lines(dropIn)} > /etc/ssh/sshd_config.d/zz-hk2.conf && sshd -t && systemctl reload ssh && ${listening(2222)} && ` +
    `${lines(certSshd)} > /etc/ssh/sshd_hk2_cert_config && /usr/sbin/sshd -f /etc/ssh/sshd_hk2_cert_config && ${listening(2200)} && ` +
    'cat /etc/ssh/ssh_host_rsa_key.pub', { stdin: readFileSync(join(dir, 'host-cert.pub')) });
  assert.is(r.code, 0, r.stderr);
  k.RSA = r.stdout.trim().split(/\s+/).slice(0, 2).join(' ');
  assert.match(k.RSA, /^ssh-rsa AAAA/);
});

for (const c of cases) {
  const purpose = c.provision && c.provision.verdict !== c.openssh ? `, provision ${c.provision.verdict}s on purpose` : '';
  test(`${c.what}: OpenSSH ${c.openssh}s${purpose}`, async () => {
    writeCase(c);
    const host = c.host ?? k.ADDR;
    const port = c.port ?? 22;
    const [o, p] = await Promise.all([openssh(host, port), provision(host, port)]);
    table.push(`${c.what.padEnd(52)} ${`${host === k.ADDR ? 'ADDR' : host}:${port}`.padEnd(14)} ssh ${o.verdict.padEnd(7)}provision ${p.verdict}` +
      `${p.why ? `  (${p.why.replace(/^t: /, '').slice(0, 90)}...)` : ''}`);
    assert.is(o.verdict, c.openssh, `OpenSSH: ${o.why}`);
    const want = c.provision?.verdict ?? o.verdict;
    assert.is(p.verdict, want, `provision: ${p.why}`);
    if (c.provision) assert.match(p.why, c.provision.why);
  });
}

test('the table, as run', () => {
  console.log(`\n${table.join('\n')}\n`);
  assert.is(table.length, cases.length);
});

test('an RSA host key is checked through rsa-sha2-*: the handshake and sshd\'s log say so, for apply and a connection', async () => {
  writeFileSync(file, `${k.ADDR} ${k.RSA}\n`);
  const cursor = (await sh(conn, 'journalctl -n0 --show-cursor -q')).match(/cursor: (.*)/)![1];
  const r = await provision(k.ADDR, 22);
  assert.is(r.verdict, 'accept', r.why);
  const direct = await SshConnection.connect({ name: 't', host: k.ADDR, user: 'root', privateKeyPath: lab.key, knownHostsPath: file });
  assert.is(direct.hostKeyAlgorithm, 'rsa-sha2-512');
  direct.close();
  const log = await sh(conn, `journalctl -q -o cat --after-cursor='${cursor}'`);
  const algs = [...log.matchAll(/kex: host key algorithm: (\S+)/g)].map((m) => m[1]);
  console.log(`sshd: ${algs.map((a) => `kex: host key algorithm: ${a}`).join('; ')}`);
  assert.equal(algs, ['rsa-sha2-512', 'rsa-sha2-512'], 'apply\'s connection and the direct one');
});

test.run();
