// git: what the module reads of a host. The checkout at `dest` (is there a repo, its HEAD, branch, remote URL,
// local modifications, local refs) and the remote's refs (`git ls-remote --symref`, a read that fetches
// nothing), from which the commit a version names is resolved as Ansible's get_remote_head resolves it: the
// remote's HEAD (or the branch checked out), a branch, a tag (peeled), else a commit sha. User values reach the
// scripts only as positional parameters, after `--` where git takes options.
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { fileFact } from '../../facts/files.ts';

export type GitDest = {
  /** absent: nothing at dest; empty: an empty directory; occupied: something else without a repo; nogit: a repo, but no git to read it. */
  state: 'absent' | 'empty' | 'occupied' | 'nogit' | 'repo';
  head?: string;
  /** The branch checked out (short name), '' when HEAD is detached. */
  branch?: string;
  /** The remote's URL (`git ls-remote --get-url REMOTE`). */
  url?: string;
  /** What refs/remotes/REMOTE/HEAD names (short branch name), '' if nothing: the branch of a detached HEAD. */
  remoteHead?: string;
  /** Tracked files modified (git status --porcelain, untracked ones left out). */
  mods?: boolean;
  submodules?: boolean;
  /** Local branches, tags and the remote's tracking refs: refname -> object sha (a tag's own object, not peeled). */
  refs?: Record<string, string>;
};

const DEST = `d=$1 remote=$2 bare=$3
if [ "$bare" = 1 ]; then cfg="$d/config"; else cfg="$d/.git/config"; fi
if [ ! -e "$cfg" ]; then
  if [ ! -e "$d" ] && [ ! -L "$d" ]; then echo absent
  elif [ -d "$d" ] && [ -z "$(ls -A -- "$d" 2>/dev/null)" ]; then echo empty
  else echo occupied; fi
  exit 0
fi
command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }
cd -- "$d" || exit 3
echo repo
printf 'head=%s\\n' "$(git rev-parse --verify -q HEAD 2>/dev/null)"
printf 'branch=%s\\n' "$(git symbolic-ref -q --short HEAD 2>/dev/null)"
printf 'url=%s\\n' "$(git ls-remote --get-url "$remote" 2>/dev/null)"
printf 'remotehead=%s\\n' "$(git symbolic-ref -q "refs/remotes/$remote/HEAD" 2>/dev/null)"
if [ "$bare" != 1 ]; then printf 'mods=%s\\n' "$(git status --porcelain 2>/dev/null | grep -cv '^??')"; fi
if [ "$bare" != 1 ] && [ -f .gitmodules ]; then echo submodules=1; fi
git for-each-ref --format='ref %(objectname) %(refname)' refs/heads refs/tags "refs/remotes/$remote"`;

export function parseDest(out: string, remote: string): GitDest {
  const [state, ...lines] = out.split('\n');
  if (state !== 'repo') {
    if (!['absent', 'empty', 'occupied', 'nogit'].includes(state.trim())) throw new Error(`reading the checkout printed: ${out.slice(0, 200)}`);
    return { state: state.trim() as GitDest['state'] };
  }
  const d: GitDest = { state: 'repo', head: '', branch: '', url: '', remoteHead: '', mods: false, submodules: false, refs: {} };
  for (const line of lines) {
    const ref = /^ref ([0-9a-f]{40}) (\S+)$/.exec(line);
    if (ref) d.refs![ref[2]] = ref[1];
    const m = /^(head|branch|url|remotehead|mods|submodules)=(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'head') d.head = m[2];
    else if (m[1] === 'branch') d.branch = m[2];
    else if (m[1] === 'url') d.url = m[2];
    else if (m[1] === 'remotehead') d.remoteHead = m[2].replace(`refs/remotes/${remote}/`, '');
    else if (m[1] === 'mods') d.mods = Number(m[2]) > 0;
    else d.submodules = true;
  }
  return d;
}

/** The checkout at dest, read as the task's user; in check mode a change to the path makes it unknown. */
export function destFact(dest: string, remote: string, bare: boolean): FactDef<GitDest> {
  return {
    key: `git:${bare ? 'bare' : 'work'}:${remote}:${dest}`,
    script: `sh -c ${shq(DEST)} provision-git-dest ${shq(dest)} ${shq(remote)} ${bare ? 1 : 0}`,
    parse: (out) => parseDest(out, remote),
    dependsOn: [fileFact(dest).key],
  };
}

export type GitRemote = { nogit?: boolean; error?: string; refs: Record<string, string>; headBranch?: string };

const REMOTE = `repo=$1
export GIT_SSH_COMMAND="$2" GIT_TERMINAL_PROMPT=0 LC_ALL=C
command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }
if out=$(timeout 60 git ls-remote --symref -- "$repo" 2>&1); then
  echo ok; printf '%s\\n' "$out"
else
  echo error; printf '%s\\n' "$out" | tail -n 5
fi`;

export function parseRemote(out: string): GitRemote {
  const [head, ...rest] = out.split('\n');
  if (head.trim() === 'nogit') return { nogit: true, refs: {} };
  if (head.trim() !== 'ok') return { error: rest.join(' ').trim() || 'git ls-remote printed nothing', refs: {} };
  const r: GitRemote = { refs: {} };
  for (const line of rest) {
    const sym = /^ref: refs\/heads\/(\S+)\s+HEAD$/.exec(line.trim());
    if (sym) r.headBranch = sym[1];
    const m = /^([0-9a-f]{40})\s+(\S+)$/.exec(line.trim());
    if (m) r.refs[m[2]] = m[1];
  }
  return r;
}

/**
 * The remote's refs, read on the host (its keys, its network) as the task's user; a read only, never changed by a
 * task but one that makes a repository at that path on the host (in check mode, such a simulated change makes it unknown).
 * An ssh that accepts a host key it does not know (accept_hostkey) writes it to known_hosts: read at its task's
 * turn, as Ansible's ls-remote is, not ahead with the play's other facts (a task before it would find the key known).
 */
export function remoteFact(repo: string, sshCommand: string): FactDef<GitRemote> {
  const path = repo.startsWith('file://') ? repo.slice('file://'.length) : undefined;
  return {
    ...(path ? { dependsOn: [`git:bare:origin:${path}`, `git:work:origin:${path}`, fileFact(path).key] } : {}),
    key: `git-remote:${repo}${sshCommand === DEFAULT_SSH ? '' : ` ssh=${sshCommand}`}`,
    script: `sh -c ${shq(REMOTE)} provision-git-remote ${shq(repo)} ${shq(sshCommand)}`,
    parse: parseRemote,
    readOnly: true,
    ...(/StrictHostKeyChecking=(no|accept-new)/.test(sshCommand) ? { lazy: true } : {}),
  };
}

export const DEFAULT_SSH = 'ssh -o BatchMode=yes';

/** What a version names: the commit a checkout of it ends at (unknown for a short sha until fetched). */
export type Target = { kind: 'head' | 'branch' | 'tag' | 'sha'; sha?: string; branch?: string };

/**
 * As Ansible's get_remote_head: HEAD is the remote's HEAD on a clone, the branch checked out (or, detached, the
 * one refs/remotes/REMOTE/HEAD names) on an update; then a branch, then a tag (its commit); else a sha as given.
 */
export function resolveTarget(version: string, remote: GitRemote, repoUrl: string, local?: GitDest): Target {
  if (version === 'HEAD') {
    if (!local) {
      if (!remote.refs.HEAD) throw new Error(`Could not determine remote revision for HEAD: ${repoUrl} has no HEAD`);
      return { kind: 'head', sha: remote.refs.HEAD, branch: remote.headBranch };
    }
    const branch = local.branch || local.remoteHead;
    const sha = branch ? remote.refs[`refs/heads/${branch}`] : undefined;
    if (!branch || !sha) throw new Error(`Could not determine remote revision for HEAD: ${branch ? `no branch ${branch} in ${repoUrl}` : 'the checkout is on no branch'}`);
    return { kind: 'head', sha, branch };
  }
  const head = remote.refs[`refs/heads/${version}`];
  if (head) return { kind: 'branch', sha: head, branch: version };
  const tag = remote.refs[`refs/tags/${version}^{}`] ?? remote.refs[`refs/tags/${version}`];
  if (tag) return { kind: 'tag', sha: tag };
  if (/^[0-9a-fA-F]{40}$/.test(version)) return { kind: 'sha', sha: version.toLowerCase() };
  if (/^[0-9a-fA-F]{4,39}$/.test(version)) return { kind: 'sha' };
  throw new Error(`version "${version}" is not a branch or tag of ${repoUrl}, nor a commit sha`);
}
