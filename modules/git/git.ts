// git: a checkout of a git repository at a version (a branch, a tag, a commit; HEAD by default), as Ansible's
// git module: cloned when dest holds no repo, else fetched and switched when the remote's commit for the version
// differs from HEAD (or the remote URL changed, or local modifications are discarded with force). What the remote
// names is read up front with `git ls-remote` (facts.ts), so --check says exactly whether a fetch would move the
// checkout. Steps are git's argv, run in dest; the clone's and the update's are those Ansible runs.
import { defineModule, type Change, type Effect, type Facts, type Step } from '../../engine/module.ts';
import { parentDir } from '../../facts/files.ts';
import { DEFAULT_SSH, type GitDest, type GitRemote, type Target, destFact, remoteFact, resolveTarget } from './facts.ts';
import { refusedArg as refused } from '../refused.ts';
import { checkedOutRead, commitsDiffRead, newlyCheckedOut } from './diff.ts';

export type GitArgs = {
  repo: string; dest: string; version: string; remote: string; force: boolean; depth?: number; clone: boolean; update: boolean;
  accept_hostkey: boolean; bare: boolean; single_branch: boolean; recursive: boolean; key_file?: string; ssh_opts?: string;
};

/** Words an ssh command line may hold: git hands GIT_SSH_COMMAND to a shell, so no shell syntax. */
const SSH_WORDS = '^[A-Za-z0-9 =._/@:,+-]*$';

/** Ansible turns an absolute path into a file:// URL (depth needs it). */
const repoUrl = (a: GitArgs) => (a.repo.startsWith('/') ? `file://${a.repo}` : a.repo);

/** GIT_SSH_COMMAND as Ansible's set_git_ssh_env builds it. */
export function sshCommand(a: GitArgs): string {
  let opts = a.ssh_opts ? ` ${a.ssh_opts}` : '';
  if (a.accept_hostkey && !opts.includes('StrictHostKeyChecking=no')) opts += ' -o StrictHostKeyChecking=no';
  if (!opts.includes('BatchMode=yes')) opts += ' -o BatchMode=yes';
  if (a.key_file) {
    if (!opts.includes(`-i ${a.key_file}`)) opts += `  -i ${a.key_file}`;
    if (!opts.includes('IdentitiesOnly=yes')) opts += ' -o IdentitiesOnly=yes';
  }
  return `ssh${opts}`;
}

const facts = (a: GitArgs) => ({ dest: destFact(a.dest, a.remote, a.bare), remote: remoteFact(repoUrl(a), sshCommand(a)) });
const env = (a: GitArgs) => ({ GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: sshCommand(a), LC_ALL: 'C' });
const short = (sha?: string) => (sha ? sha.slice(0, 12) : '?');
/** As Ansible's unfrackgitpath comparison: the same URL up to doubled and trailing slashes. */
const sameUrl = (x: string, y: string) => x === y || x.replace(/\/+/g, '/').replace(/\/$/, '') === y.replace(/\/+/g, '/').replace(/\/$/, '');
/** What the path's own facts become when a checkout is made or moved there: not known until read. */
const pathEffects = (dest: string): Effect[] => [{ prefix: `file:${dest}/`, unknown: true }, { prefix: `content:${dest}/`, unknown: true }];

const SUBMODULES = 'cd -- "$1" && if [ -f .gitmodules ]; then git submodule sync && git submodule update --init --recursive; fi';
/** The last step prints the commit the checkout is at: what `register` records as `after`. */
const REV_PARSE = (dest: string): Step => ({ exec: ['git', 'rev-parse', 'HEAD'], cwd: dest });
const NO_GIT_MESSAGE = 'Failed to find required executable "git": install the git package first';

function remoteOf(f: Facts, a: GitArgs): GitRemote {
  const r = f.get(facts(a).remote);
  if (r.error) throw new Error(`git ls-remote ${repoUrl(a)} failed: ${r.error}`);
  return r;
}

function planClone(a: GitArgs, f: Facts, d: GitDest): Change[] {
  const url = repoUrl(a);
  const key = facts(a).dest.key;
  const r = remoteOf(f, a);
  const summary = `clone ${a.repo} into ${a.dest}${a.version === 'HEAD' ? '' : ` at ${a.version}`}`;
  // git is missing: Ansible fails. (In check mode after a simulated package install, git's facts are unknown and
  // the task is conditional before it plans: apt's side effects name them.)
  if (r.nogit) throw new Error(NO_GIT_MESSAGE);
  const t = resolveTarget(a.version, r, url);
  const named = t.kind === 'branch' || t.kind === 'tag';
  const clone = ['git', 'clone', ...(a.bare ? ['--bare'] : ['--origin', a.remote])];
  // A shallow clone only of what can be fetched by name (HEAD, a branch, a tag); a sha gets a full clone, as in Ansible.
  if (a.depth && a.version === 'HEAD') clone.push('--depth', String(a.depth));
  else if (a.depth && named) clone.push('--depth', String(a.depth), '--branch', a.version);
  if (a.single_branch) clone.push('--single-branch', ...(named ? ['--branch', a.version] : []));
  clone.push('--', url, a.dest);
  const steps: Step[] = [{ exec: ['mkdir', '-p', '--', parentDir(a.dest)] }, { exec: clone }];
  const checkedOut = named && (a.depth || a.single_branch) ? a.version : r.headBranch;
  let branch = a.bare ? checkedOut ?? '' : t.kind === 'head' ? r.headBranch ?? '' : '';
  if (!a.bare && t.kind === 'branch') {
    branch = a.version;
    if (checkedOut === a.version) steps.push({ exec: ['git', 'checkout', '--force', a.version], cwd: a.dest }, { exec: ['git', 'reset', '--hard', `${a.remote}/${a.version}`], cwd: a.dest });
    else steps.push({ exec: ['git', 'checkout', '--track', '-b', a.version, `${a.remote}/${a.version}`], cwd: a.dest });
  } else if (!a.bare && t.kind !== 'head') steps.push({ exec: ['git', 'checkout', '--force', a.version], cwd: a.dest });
  if (a.bare && a.remote !== 'origin') steps.push({ exec: ['git', 'remote', 'add', '--', a.remote, url], cwd: a.dest });
  if (!a.bare && a.recursive) steps.push({ exec: ['sh', '-c', SUBMODULES, 'provision-git-submodules', a.dest] });
  steps.push(REV_PARSE(a.dest));
  const after = a.bare && !(named && (a.depth || a.single_branch)) ? r.refs.HEAD : t.sha;
  const refs: Record<string, string> = {};
  const narrow = a.depth || a.single_branch;
  for (const [k, v] of Object.entries(r.refs)) {
    if (a.bare && /^refs\/(heads|tags)\/[^^]*$/.test(k)) refs[k] = v;
    if (!a.bare && !narrow && /^refs\/tags\/[^^]*$/.test(k)) refs[k] = v;
    const head = /^refs\/heads\/(.*)$/.exec(k);
    if (!a.bare && head && (!narrow || head[1] === checkedOut)) refs[`refs/remotes/${a.remote}/${head[1]}`] = v;
  }
  if (!a.bare && checkedOut && r.refs[`refs/heads/${checkedOut}`]) refs[`refs/heads/${checkedOut}`] = r.refs[`refs/heads/${checkedOut}`];
  if (!a.bare && t.kind === 'branch') refs[`refs/heads/${a.version}`] = t.sha!;
  const now: GitDest = { state: 'repo', head: after, branch, url, remoteHead: a.bare ? '' : r.headBranch ?? '', mods: false, submodules: false, refs };
  return [{
    summary: `${summary} (${short(after)})`,
    steps: steps.map((s) => ('exec' in s ? { ...s, env: env(a) } : s)),
    effects: [after ? { key, value: now } : { key, unknown: true }, ...pathEffects(a.dest)],
    // --diff: the commit checked out; a short sha is shown as written in check mode, as Ansible's, and read once cloned.
    diff: newlyCheckedOut(a.dest, t.kind === 'sha' || !after ? a.version : after),
    ...(after ? {} : { diffRead: checkedOutRead(a.dest, env(a)) }),
  }];
}

/** The fetch Ansible runs on an update: the least refs a shallow checkout needs, else every branch and tag. */
function fetchStep(a: GitArgs, d: GitDest, t: Target): string[] {
  const cmd = ['git', 'fetch'];
  let refspecs: string[] = [];
  if (a.depth && !a.bare) {
    const current = d.branch || d.remoteHead || '';
    if (t.kind === 'head') refspecs = [current];
    else if (t.kind === 'branch') refspecs = [...(current !== a.version ? [`+refs/heads/${a.version}:refs/heads/${a.version}`] : []), `+refs/heads/${a.version}:refs/remotes/${a.remote}/${a.version}`];
    else if (t.kind === 'tag') refspecs = [`+refs/tags/${a.version}:refs/tags/${a.version}`];
    if (refspecs.length) cmd.push('--depth', String(a.depth));
  }
  if (!a.depth || !refspecs.length || a.bare) {
    if (a.bare) refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    else cmd.push('--tags');
  }
  if (a.force) cmd.push('--force');
  return [...cmd, a.remote, ...refspecs];
}

/**
 * The local refs Ansible's fetch (run on every update) would move, with their new commits: a bare repo's branches
 * and tags; else the remote-tracking refs there are (of the one branch a shallow fetch names) and, on a full fetch
 * (--tags), every tag.
 */
function behind(a: GitArgs, d: GitDest, r: GitRemote, t: Target): Record<string, string> {
  const out: Record<string, string> = {};
  const local = d.refs ?? {};
  const tag = /^refs\/tags\/[^^]*$/;
  if (a.bare) {
    for (const [k, v] of Object.entries(r.refs)) if ((tag.test(k) || /^refs\/heads\//.test(k)) && local[k] !== v) out[k] = v;
    return out;
  }
  const full = !a.depth || t.kind === 'sha';
  const tracking = `refs/remotes/${a.remote}/`;
  for (const [k, v] of Object.entries(local)) {
    const name = k.slice(tracking.length);
    const there = r.refs[`refs/heads/${name}`];
    if (k.startsWith(tracking) && name !== 'HEAD' && there && there !== v && (full || name === t.branch)) out[k] = there;
  }
  if (full) for (const [k, v] of Object.entries(r.refs)) if (tag.test(k) && local[k] !== v) out[k] = v;
  return out;
}

function planUpdate(a: GitArgs, f: Facts, d: GitDest): Change[] {
  if (!a.update) return [];
  if (a.recursive && d.submodules) throw new Error(`${a.dest}: updating a checkout with submodules is not supported yet (recursive: false leaves them as they are)`);
  if (d.mods && !a.force) throw new Error(`Local modifications exist in the destination: ${a.dest} (force=no).`);
  const url = repoUrl(a);
  const r = remoteOf(f, a);
  if (r.nogit) throw new Error('Failed to find required executable "git"');
  const urlChanged = !sameUrl(d.url ?? '', url);
  // A bare repo's HEAD follows its own branch: Ansible fetches every branch and tag into it and switches nothing.
  const t: Target = a.bare ? { kind: 'head', branch: d.branch, sha: r.refs[`refs/heads/${d.branch}`] } : resolveTarget(a.version, r, url, d);
  const moved = t.sha ? t.sha !== d.head : !d.head!.startsWith(a.version.toLowerCase());
  const branch = a.bare ? d.branch! : t.kind === 'head' || t.kind === 'branch' ? t.branch! : '';
  const refsBehind = Object.keys(behind(a, d, r, t)).length > 0;
  const switches = branch !== d.branch;
  if (!moved && !urlChanged && !d.mods && !switches && !refsBehind) return [];
  const steps: Step[] = [];
  if (urlChanged) steps.push({ exec: ['git', 'remote', 'set-url', '--', a.remote, url] });
  if (d.mods) steps.push({ exec: ['git', 'reset', '--hard', 'HEAD'] });
  steps.push({ exec: fetchStep(a, d, t) });
  if (!a.bare && t.kind === 'head') steps.push({ exec: ['git', 'checkout', '--force', t.branch!] }, { exec: ['git', 'reset', '--hard', `${a.remote}/${t.branch}`, '--'] });
  else if (!a.bare && t.kind === 'branch' && (d.refs![`refs/heads/${a.version}`] || a.depth)) {
    steps.push({ exec: ['git', 'checkout', '--force', a.version] }, { exec: ['git', 'reset', '--hard', `${a.remote}/${a.version}`] });
  } else if (!a.bare && t.kind === 'branch') steps.push({ exec: ['git', 'checkout', '--track', '-b', a.version, `${a.remote}/${a.version}`] });
  else if (!a.bare) steps.push({ exec: ['git', 'checkout', '--force', a.version] });
  steps.push(REV_PARSE(a.dest));
  const refs = { ...d.refs, ...behind(a, d, r, t) };
  if (!a.bare && (t.kind === 'branch' || t.kind === 'head') && t.sha) refs[`refs/heads/${t.branch}`] = t.sha;
  const now: GitDest = { ...d, head: t.sha, branch, url, mods: false, refs };
  const what = [
    ...(urlChanged ? [`remote ${a.remote} set to ${url} (was ${d.url})`] : []),
    ...(d.mods ? ['local modifications discarded'] : []),
    ...(moved ? [`${short(d.head)} -> ${short(t.sha ?? a.version)}`] : []),
  ];
  return [{
    summary: `update ${a.dest} to ${a.version}${what.length ? `: ${what.join(', ')}` : ` (${switches ? `checkout ${branch || 'detached'}` : 'fetch'})`}`,
    steps: steps.map((s) => ({ ...s, cwd: a.dest, env: env(a) })),
    effects: [t.sha ? { key: facts(a).dest.key, value: now } : { key: facts(a).dest.key, unknown: true }, ...pathEffects(a.dest)],
    // Same commit, only the branch checked out (or a bare repo's other refs) brought in line: Ansible does it on every run, unreported.
    ...(!moved && !urlChanged && !d.mods ? { unreported: true } : {}),
    // --diff: what the update brings, when it moves the checkout (Ansible shows none otherwise).
    ...(moved ? { diffRead: commitsDiffRead(a.dest, d.head!, t.kind === 'sha' || !t.sha ? a.version : t.sha, url, env(a)) } : {}),
  }];
}

export default defineModule<GitArgs>({
  name: 'git',
  fqcn: ['ansible.builtin.git', 'ansible.legacy.git'],
  aliases: { name: 'repo' },
  description: 'A checkout of a git repository at a branch, tag or commit (cloned, or fetched and switched when the remote moved), as Ansible\'s git.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['repo', 'dest'],
    properties: {
      repo: { type: 'string', pattern: '^[^-\\s][^\\s]*$', description: 'a repository URL or path (no spaces, not starting with -)' },
      dest: { type: 'string', pattern: '^/[^\\n]*[^/\\n]$', description: 'an absolute path (dest is required: reading only the remote\'s head is not supported)' },
      version: { type: 'string', default: 'HEAD', pattern: '^(?!-)(?!.*\\.\\.)[^\\s~^:?*\\[\\\\]+$', description: 'HEAD, a branch, a tag or a commit sha (no spaces, not starting with -)' },
      remote: { type: 'string', default: 'origin', pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]*$', description: 'a remote name (letters, digits, . _ -)' },
      force: { type: 'boolean', default: false },
      depth: { type: 'integer', minimum: 1 },
      clone: { type: 'boolean', default: true },
      update: { type: 'boolean', default: true },
      accept_hostkey: { type: 'boolean', default: false },
      bare: { type: 'boolean', default: false },
      single_branch: { type: 'boolean', default: false },
      recursive: { type: 'boolean', default: true },
      key_file: { type: 'string', pattern: '^/[A-Za-z0-9._/@+-]+$', description: 'an absolute path (letters, digits, . _ / @ + -: git hands it to a shell)' },
      ssh_opts: { type: 'string', pattern: SSH_WORDS, description: 'ssh options of letters, digits, spaces and = . _ / @ : , + - (git hands them to a shell)' },
      track_submodules: { enum: [false], description: 'false (tracking submodule branches is not supported yet)' },
      accept_newhostkey: refused('accept_newhostkey', 'use accept_hostkey, or ssh_opts "-o StrictHostKeyChecking=accept-new"'),
      refspec: refused('refspec', 'extra refspecs are not fetched yet'),
      reference: refused('reference', 'clones borrowing objects from another repository are not made yet'),
      verify_commit: refused('verify_commit', 'GPG signatures are not checked yet'),
      gpg_whitelist: refused('gpg_whitelist', 'GPG signatures are not checked yet'),
      archive: refused('archive', 'archives of the checkout are not made yet'),
      archive_prefix: refused('archive_prefix', 'archives of the checkout are not made yet'),
      separate_git_dir: refused('separate_git_dir', 'the repository is always dest/.git (or dest when bare)'),
      executable: refused('executable', 'git is the one on the host\'s PATH'),
      umask: refused('umask', 'the checkout is made with the task user\'s umask'),
    },
  },
  facts: (a) => [facts(a).dest, facts(a).remote],
  plan(a, f) {
    const d = f.get(facts(a).dest);
    if (d.state === 'occupied') throw new Error(`cannot clone into ${a.dest}: it exists and is not an empty directory (nor a ${a.bare ? 'bare repository' : 'checkout'})`);
    if (d.state === 'nogit') throw new Error(`${a.dest} holds a repository, but git is not installed on the host`);
    if (d.state === 'repo') return planUpdate(a, f, d);
    if (a.clone) return planClone(a, f, d);
    // No repository and clone: no: Ansible reads the remote's head and reports changed, doing nothing.
    const r = remoteOf(f, a);
    if (r.nogit) throw new Error(NO_GIT_MESSAGE);
    // What get_remote_head names: the version's commit, else the version as written (taken for a sha).
    const sha = (() => {
      try {
        const t = resolveTarget(a.version, r, repoUrl(a));
        return t.kind === 'sha' ? undefined : t.sha;
      } catch {
        return undefined;
      }
    })();
    return [{ summary: `no repository at ${a.dest} (clone: no): reported changed, nothing done, as Ansible does`, steps: [], effects: [],
      diff: newlyCheckedOut(a.dest, sha ?? a.version) }];
  },
  verifiable: (a) => a.clone,
  // As Ansible's result: before (null for a new clone), after, and remote_url_changed on an update.
  returns(a, f) {
    const d = f.get(facts(a).dest);
    return a.update ? { before: d.head ?? null, after: d.head ?? null, remote_url_changed: false } : { before: d.head ?? null, after: d.head ?? null };
  },
  returnsChanged(a, f, _changes, stdout) {
    const d = f.get(facts(a).dest);
    if (d.state !== 'repo' && !a.clone) return { before: null, after: resolveTarget(a.version, remoteOf(f, a), repoUrl(a)).sha ?? a.version };
    if (d.state !== 'repo') return { before: null, after: stdout.trim() };
    return { before: d.head ?? null, after: stdout.trim(), remote_url_changed: !sameUrl(d.url ?? '', repoUrl(a)) };
  },
});
