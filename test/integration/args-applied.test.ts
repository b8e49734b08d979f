// Arguments no other test applied on a host (issue 18), against real Ansible: test/fixtures/playbooks/args-applied.yml
// applied by provision on aa-1 and by ansible-playbook on aa-2, twice each; the same statuses each run, and the same
// things left: files (owner, group, mode, bytes; backups with their PID and time normalized), the times set or kept,
// the cron tables, the unit's state, what the host's own HTTP server was sent (headers, form bodies), the checkouts,
// and the packages of a local apt repository (two suites) after each upgrade mode and default_release.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { ansiblePlaybook, asOracle, treeOn } from '../helpers/ansible.ts';
import { applyJson } from '../helpers/apply.ts';
import { flatRepo } from '../helpers/debs.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('arguments applied on a host, against ansible-playbook');
const PB = 'test/fixtures/playbooks/args-applied.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
useLab(test, 'aa', 2, (l, s) => { lab = l; ssh = s; });

/**
 * The host's HTTP server: files from a directory; each request's method, path, headers and body appended to
 * /srv/aa-log/requests.log; /private/ answers 403 without X-Aa-Token: sesame; ?slow=N answers after N seconds;
 * a POST is answered with the body and Content-Type it came with, as JSON.
 */
const SERVER = `import http.server, json, sys, time, urllib.parse
PORT, ROOT, LOG = int(sys.argv[1]), sys.argv[2], '/srv/aa-log/requests.log'
class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k): super().__init__(*a, directory=ROOT, **k)
    def record(self, body=b''):
        with open(LOG, 'a') as f:
            f.write(json.dumps({'method': self.command, 'path': self.path, 'headers': sorted(self.headers.items()), 'body': body.decode()}) + '\\n')
    def do_GET(self):
        self.record()
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if 'slow' in q: time.sleep(int(q['slow'][0]))
        if self.path.startswith('/private/') and self.headers.get('X-Aa-Token') != 'sesame': return self.send_error(403)
        super().do_GET()
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self.record(body)
        out = json.dumps({'body': body.decode(), 'type': self.headers.get('Content-Type')}).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(out))); self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler).serve_forever()
`;

/** Puts a local directory on a host as a tar stream. */
async function upload(s: SshConnection, local: string, remote: string): Promise<void> {
  const tar = execFileSync('tar', ['-C', local, '-cf', '-', '.']);
  const r = await s.exec(`rm -rf '${remote}' && mkdir -p '${remote}' && tar -C '${remote}' -xf -`, { stdin: tar });
  if (r.code !== 0) throw new Error(r.stderr);
}

/** Ansible's backup name, PATH.PID.YYYY-MM-DD@HH:MM:SS~, with what differs from run to run taken out. */
const normalized = (text: string) => text.replace(/\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~/g, '.PID.DATE~');

/** What each host is compared by, one string per part. */
async function state(s: SshConnection) {
  // Times first: what reads a file below (its hash) moves its access time.
  const times = normalized(await sh(s, "stat -c '%n %X %Y' /srv/aa/stamped; stat -c '%n %X' /srv/aa/touched; stat -c '%n %Y' /srv/aa/*~"));
  const trees = await treeOn(s, ['/srv/aa', '/srv/aa-checkout', '/srv/aa-ssh', '/srv/aa-ssh-strict', '/etc/cron.d', '/etc/systemd/system', '/usr/share/provision-debs']);
  return {
    times,
    trees: normalized(trees.filter((l) => !l.includes('/.git/') && !l.includes('/.git ')).join('\n')),
    backups: normalized(await sh(s, 'for f in /srv/aa/*~; do echo "$f:"; cat "$f"; done')),
    cron: await sh(s, 'crontab -l; echo; cat /etc/cron.d/aa-dates'),
    units: await sh(s, 'echo "$(systemctl is-active aa-srv) $(systemctl is-enabled aa-srv)"'),
    // provision's get_url asks twice where Ansible asks once (its fact downloads, then its change): each request once.
    requests: (await sh(s, 'sort -u /srv/aa-log/requests.log')).replace(/\["If-Modified-Since", "[^"]*"\]/g, '["If-Modified-Since", "DATE"]'),
    checkouts: await sh(s, 'for d in /srv/aa-checkout /srv/aa-ssh /srv/aa-ssh-strict; do echo "$d $(git -C $d rev-parse HEAD)"; git -C $d status --porcelain; done; wc -l < /root/.ssh/known_hosts'),
    packages: await sh(s, "dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' 'aa-*'; echo; apt-mark showauto 'aa-*'"),
  };
}

test('as ansible-playbook: the same statuses, twice, and the same host', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'provision-aa-'));
  const www = join(dir, 'www');
  const src = join(dir, 'src');
  mkdirSync(join(www, 'private'), { recursive: true });
  mkdirSync(join(src, 'app/keep'), { recursive: true });
  writeFileSync(join(www, 'data.txt'), 'aa data\n');
  writeFileSync(join(www, 'private/secret.txt'), 'aa secret\n');
  for (const [f, text] of [['README', 'readme\n'], ['skip.log', 'log\n'], ['keep/a.txt', 'a\n'], ['keep/b.tmp', 'b\n']]) writeFileSync(join(src, 'app', f), text);
  execFileSync('tar', ['-C', src, '-czf', join(www, 'app.tar.gz'), 'app']);
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=aa', '-c', 'user.email=aa@test', ...a]);
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'index.txt'), 'aa checkout\n');
  git('add', '.');
  git('commit', '-q', '-m', 'aa');
  // Two suites: aa-stable (aa-one 1.0 and 2.0, aa-two 1.0, aa-gone, aa-three 1.0), aa-next (newer ones; aa-two 2.0 conflicts with aa-gone).
  const apt = join(dir, 'apt');
  flatRepo(join(apt, 'stable'), 'aa-stable', [{ name: 'aa-one', version: '1.0' }, { name: 'aa-one', version: '2.0' },
    { name: 'aa-two', version: '1.0' }, { name: 'aa-gone', version: '1.0' }, { name: 'aa-three', version: '1.0' }]);
  flatRepo(join(apt, 'next'), 'aa-next', [{ name: 'aa-one', version: '3.0' }, { name: 'aa-two', version: '2.0', fields: { Conflicts: 'aa-gone' } },
    { name: 'aa-three', version: '2.0' }]);
  await Promise.all(ssh.map(async (s) => {
    // What the playbook needs from Debian (and python3-apt, which Ansible's apt would install itself), then apt's
    // sources the local repository alone: an upgrade touches only its packages.
    await sh(s, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q git cron python3-apt >/dev/null');
    await upload(s, www, '/srv/aa-www');
    await upload(s, repo, '/srv/aa-repo');
    await upload(s, apt, '/srv/aa-apt');
    await sh(s, `mkdir -p /srv/aa-srv /srv/aa-log && echo ${Buffer.from(SERVER).toString('base64')} | base64 -d > /srv/aa-srv/server.py`);
    // The git repository over ssh to this host itself, as root, with a key of its own (its host key not yet known).
    await sh(s, 'ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/aa_git && cat /root/.ssh/aa_git.pub >> /root/.ssh/authorized_keys && rm -f /root/.ssh/known_hosts');
    await sh(s, 'printf "deb [trusted=yes] file:/srv/aa-apt/stable ./\\ndeb [trusted=yes] file:/srv/aa-apt/next ./\\n" > /etc/apt/sources.list && rm -f /etc/apt/sources.list.d/* && apt-get update -q >/dev/null');
  }));
  const vars = ['-e', `data_sha=${createHash('sha256').update('aa data\n').digest('hex')}`];
  for (const run of [1, 2]) {
    const mine = await applyJson([PB, '--limit', 'aa-1', ...vars], lab.inventory);
    assert.is(mine.code, 0, mine.raw);
    const theirs = await ansiblePlaybook(PB, lab.inventory, 'aa-2', vars);
    assert.is(theirs.code, 0, theirs.raw);
    // One line per task, so that a difference shows as the task it is in.
    const lines = (ts: Array<{ task: string; status: string; ignored: boolean }>) => ts.map((t) => `${t.task}: ${t.status}${t.ignored ? ' (ignored)' : ''}`).join('\n');
    assert.is(lines(asOracle(mine.report.hosts['aa-1'].tasks)), lines(theirs.tasks), `run ${run}`);
  }
  const [a, b] = await Promise.all(ssh.map(state));
  for (const part of Object.keys(a) as Array<keyof typeof a>) assert.is(a[part], b[part], part);
  // What the comparison stands on: each argument left its mark.
  assert.match(a.requests, '["X-Aa-Token", "sesame"]], "body": ""}'); // get_url's headers
  assert.match(a.requests, '"body": "name=aa&words=a+b%26c%3Dd&empty="'); // uri's form
  assert.match(a.requests, '["X-Aa-Extra", "uri"]');
  assert.match(a.trees, '/srv/aa/block.conf.PID.DATE~ daemon:root 640');
  assert.match(a.backups, '/srv/aa/replace.conf.PID.DATE~:\nport = 80\n');
  assert.match(a.trees, '/srv/aa/app/keep/a.txt');
  assert.not.match(a.trees, /skip\.log|b\.tmp/);
  assert.match(a.cron, '0 3 1 6 * /usr/bin/true');
  assert.match(a.cron, '15 * */10 1-3,7 * root /usr/bin/true');
  assert.is(a.units, 'active enabled\n');
  assert.not.match(a.checkouts, /^[ ?MAD]{2} /m); // no local modifications left
  assert.match(a.packages, /^ii +aa-one 2\.0$/m);
  assert.match(a.packages, /^ii +aa-two 2\.0$/m);
  assert.match(a.packages, /^ii +aa-three 2\.0$/m);
  assert.not.match(a.packages, /^ii +aa-gone /m);
});

test.run();
