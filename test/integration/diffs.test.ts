// --diff against ansible-playbook on real lab hosts (test/fixtures/playbooks/diffs.yml): on fresh hosts made the
// same (files, links, a checkout behind its remote, a user, a name), provision runs on df-1 and ansible-playbook on
// df-2, --check --diff first, then --diff; each task's diff body is the same for both, line for line (file's before
// and after as JSON, git's `git diff` and ">> Newly checked out", the text of copy, lineinfile, blockinfile,
// replace, cron, authorized_key, apt_repository and hostname, apt's lines of apt-get's output, simulated in check
// mode; apt's tasks after the first are not predicted by provision's --check, which says so; a package file's is
// apt-get's lines, where Ansible's is dpkg's output: DIFFERENT; one from a URL, served by the host). Only the headers each tool writes (Ansible's
// "--- before: X", provision's "--- PATH") and provision's indent are left out. --check leaves the checkout as it was.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type GitCommit, publishGitRepo } from '../../lab/mirror.ts';
import { debBase64 } from '../helpers/debs.ts';
import type { SshConnection } from '../../engine/transport/ssh.ts';
import { provision } from '../helpers/cli.ts';
import { type TestLab, sh, useLab } from '../helpers/lab.ts';

const test = suite('--diff against ansible-playbook');
const PB = 'test/fixtures/playbooks/diffs.yml';
let lab: TestLab;
let ssh: SshConnection[] = [];
let repo = '';
useLab(test, 'df', 2, (l, s) => { lab = l; ssh = s; });

// Fixed dates: the same commits have the same shas when the repository is published again with one more.
process.env.GIT_AUTHOR_DATE = process.env.GIT_COMMITTER_DATE = '2026-01-01T00:00:00Z';
const COMMITS: GitCommit[] = [
  { message: 'one', files: { 'RELEASE': 'one\n', 'conf/a.txt': 'a\nb\nc\n' }, tag: 'r1' },
  { message: 'two', files: { 'RELEASE': 'two\n', 'conf/a.txt': 'a\nB\nc\n', 'lib/new.txt': 'new\n' } },
];
const publish = (commits: GitCommit[]) => {
  const vars = (load(readFileSync(join(lab.inventory, 'hosts.yml'), 'utf8')) as { all: { vars: { node_mirror: string } } }).all.vars;
  repo = vars.node_mirror.replace(/\/dist$/, '') + publishGitRepo('df-repo', undefined, commits);
};

/** What the tasks find, the same on both hosts; the checkout cloned while the remote had one commit, so it lacks the next. */
const SETUP = (url: string) => `set -e
mkdir -p /srv/df/www && echo '${debBase64({ name: 'df-file', version: '1.0', fields: { Depends: 'pv' } })}' | base64 -d > /srv/df/df-file_1.0_all.deb
echo '${debBase64({ name: 'df-url', version: '1.0' })}' | base64 -d > /srv/df/www/df-url_1.0_all.deb
systemd-run --quiet --unit=df-www python3 -m http.server 8714 --bind 127.0.0.1 --directory /srv/df/www
apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q git cron python3-apt tree jq >/dev/null
apt-mark auto jq libjq1 libonig5 >/dev/null
hostnamectl set-hostname df-host
mkdir -p /srv/df/tree/x /srv/df/keep && echo y > /srv/df/tree/x/y.txt && echo z > /srv/df/tree/z.txt
printf 'f\\n' > /srv/df/f.txt; printf 'g\\n' > /srv/df/g.txt; ln -s /srv/df/f.txt /srv/df/lnk; ln -s /srv/df/f.txt /srv/df/l3
printf 'a\\nb\\nd\\n' > /srv/df/conf.txt; printf 'host=web\\nport=80\\n' > /srv/df/lines.txt; cp /srv/df/lines.txt /srv/df/hosts.txt
printf 'top\\n' > /srv/df/block.txt
useradd -m dfuser
git clone -q -- '${url}' /srv/df/behind`;

const ansible = (host: string, extra: string[]) => new Promise<string>((resolve) => execFile('ansible-playbook',
  ['-i', join(lab.inventory, 'hosts.yml'), '--limit', host, PB, '-e', `git_repo=${repo}`, ...extra],
  { env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1', ANSIBLE_PYTHON_INTERPRETER: 'auto_silent' }, maxBuffer: 1 << 24 },
  (_e, out) => resolve(out)));

/** Each task's diff lines in ansible-playbook's output: between TASK [name] and its status, less its headers. */
function theirBodies(out: string): Record<string, string[]> {
  const bodies: Record<string, string[]> = {};
  let task: string | undefined;
  for (const l of out.split('\n')) {
    const t = /^TASK \[(.*)\] \*+$/.exec(l);
    if (t) bodies[task = t[1]] = [];
    else if (/^(PLAY|changed|ok|skipping|fatal|failed)\b/.test(l)) task = undefined;
    else if (task !== undefined && l !== '' && !/^(---|\+\+\+) (before|after)(: .*)?$/.test(l)) bodies[task].push(l);
  }
  return bodies;
}

/** Each task's diff lines in provision's output: indented under its line, after its summary, less provision's headers. */
function myBodies(out: string): Record<string, string[]> {
  const bodies: Record<string, string[]> = {};
  let task: string | undefined;
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = /^\S+ +df-1: (.*) \(\S+:\d+\)$/.exec(lines[i]);
    if (t) { bodies[task = t[1]] = []; continue; }
    if (task === undefined || !lines[i].startsWith(' '.repeat(12))) { task = undefined; continue; }
    const l = lines[i].slice(12);
    // provision's header: "--- PATH" and "+++ PATH" (or /dev/null, or crontab); git's own name a/... or b/....
    if (/^--- (?!a\/)/.test(l) && /^ {12}\+\+\+ (?!b\/)/.test(lines[i + 1] ?? '')) { i++; continue; }
    if (bodies[task].length === 0 && /^- /.test(l)) continue; // the change's summary
    bodies[task].push(l);
  }
  return bodies;
}

/**
 * Where provision's diff is deliberately not Ansible's (README): a package file, installed by apt-get with what it
 * depends on, shows apt-get's lines; Ansible's shows apt-get's for the dependencies, then dpkg's own output.
 */
const DIFFERENT: Record<string, { mine: RegExp; theirs: RegExp }> = {
  'a package file, with what it depends on': {
    mine: /^The following additional packages will be installed:\n  pv\n(Suggested packages:\n  .*\n)?The following NEW packages will be installed:\n  df-file pv\n0 upgraded, 2 newly installed, 0 to remove and \d+ not upgraded\.$/,
    theirs: /^(Suggested packages:\n  .*\n)?The following NEW packages will be installed:\n  pv\n0 upgraded, 1 newly installed, 0 to remove and \d+ not upgraded\.\nSelecting previously unselected package df-file\.\n/,
  },
  'a package file from a URL': {
    mine: /^The following NEW packages will be installed:\n  df-url\n0 upgraded, 1 newly installed, 0 to remove and \d+ not upgraded\.$/,
    theirs: /^Selecting previously unselected package df-url\.\n/,
  },
};

/** Both bodies of every task but those provision's --check cannot predict (it says so, and shows no diff). */
function same(mine: string, theirs: string, unpredicted: string[] = []): void {
  const a = myBodies(mine);
  const b = theirBodies(theirs);
  assert.equal(Object.keys(a), Object.keys(b), `the same tasks\n${mine}\n${theirs}`);
  for (const task of unpredicted) assert.ok(a[task].length === 1 && a[task][0].startsWith('! cannot be predicted'), `${task}: ${a[task].join('\n')}`);
  for (const task of Object.keys(b).filter((t) => !unpredicted.includes(t) && !(t in DIFFERENT))) assert.equal(a[task], b[task], `the diff of "${task}"\n--- provision:\n${a[task].join('\n')}\n--- ansible-playbook:\n${b[task].join('\n')}`);
}

test('--check --diff, then --diff: each task\'s diff is ansible-playbook\'s, line for line', async () => {
  publish(COMMITS.slice(0, 1));
  for (const s of ssh) await sh(s, SETUP(repo));
  publish(COMMITS);
  const refs = (s: SshConnection) => sh(s, 'cd /srv/df/behind && git for-each-ref && git rev-parse HEAD && ls .git && git count-objects');
  const before = await refs(ssh[0]);

  const check = await provision(['apply', PB, '-i', lab.inventory, '--limit', 'df-1', '-e', `git_repo=${repo}`, '--check', '--diff']);
  assert.is(check.code, 0, check.stdout + check.stderr);
  assert.is(await refs(ssh[0]), before, '--check leaves the checkout, its refs and objects as they were');
  const checked = await ansible('df-2', ['--check', '--diff']);
  same(check.stdout, checked, ['what no package needs, removed', 'a package removed', 'a package file, with what it depends on', 'a package file from a URL']);
  const shown = myBodies(check.stdout);
  for (const task of ['a directory made, with owner and mode', 'a directory removed, with what it held', 'an update that moves the checkout', 'a cron job', 'the name',
    'a package, the lists updated first']) {
    assert.ok(shown[task].length >= 3, `${task} shows a diff in --check`);
  }
  assert.ok(shown['an update that moves the checkout'].includes('+B'), 'the update\'s diff is git\'s');

  const run = await provision(['apply', PB, '-i', lab.inventory, '--limit', 'df-1', '-e', `git_repo=${repo}`, '--diff']);
  assert.is(run.code, 0, run.stdout + run.stderr);
  const ran = await ansible('df-2', ['--diff']);
  same(run.stdout, ran);
  for (const [task, { mine, theirs }] of Object.entries(DIFFERENT)) {
    assert.match(myBodies(run.stdout)[task].join('\n'), mine, `provision's diff of "${task}":\n${myBodies(run.stdout)[task].join('\n')}`);
    assert.match(theirBodies(ran)[task].join('\n'), theirs, `Ansible's diff of "${task}":\n${theirBodies(ran)[task].join('\n')}`);
  }
  assert.ok(myBodies(run.stdout)['a directory made, with owner and mode'].includes('+    "owner": 65534,'), 'a real run shows the owner set');
  for (const task of ['a package, the lists updated first', 'what no package needs, removed', 'a package removed']) {
    assert.ok(myBodies(run.stdout)[task].some((l) => /^\d+ upgraded, /.test(l)), `${task} shows apt-get's lines`);
  }
});

test.run();
