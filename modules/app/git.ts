// app: a git source. The fact resolves `version` (a branch, a tag or a full commit) on the host with
// `git ls-remote`, read-only; the deploy fetches into a bare cache (ROOT/shared/git) and exports the
// commit's bundle directory into releases/ID with `git archive`. User values reach git only as
// positional parameters of the fixed scripts here, after `--` where git takes options.
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';

export type GitSource = { repo: string; version: string; path?: string };

export const gitSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['repo', 'version'],
  properties: {
    repo: {
      type: 'string', maxLength: 500,
      pattern: '^(https?://[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+|(/[A-Za-z0-9_][A-Za-z0-9._-]*)+)$',
      description: 'an http(s) URL or an absolute path on the host',
    },
    version: {
      type: 'string', maxLength: 200,
      pattern: '^(?!.*\\.\\.)(?!.*//)(?!.*/$)[A-Za-z0-9_][A-Za-z0-9._/-]*$',
      description: 'a branch, a tag or a full commit (letters, digits, . _ / -; not starting with - or .)',
    },
    path: {
      type: 'string', maxLength: 200, default: 'bundle',
      pattern: '^(\\.|[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*)$',
      description: 'the directory of the repo that holds the bundle (main.js ...): "bundle" (default), "." for the top, or a relative path',
    },
  },
} as const;

export type GitRev = { commit?: string; ref?: string; error?: string };

const LS_REMOTE = `repo=$1 ver=$2
command -v git >/dev/null 2>&1 || { echo nogit; exit 0; }
if out=$(GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=/bin/false timeout 60 git ls-remote -- "$repo" "$ver" "$ver^{}" 2>&1); then
  echo ok; printf '%s\\n' "$out"
else
  echo error; printf '%s\\n' "$out" | tail -n 3
fi`;

/** The commit `version` names in `out` (ls-remote lines): a tag (peeled), then a branch, then an exact ref, then a full sha. */
export function resolveRev(version: string, out: string): GitRev {
  const [head, ...rest] = out.split('\n');
  if (head.trim() === 'nogit') return { error: 'git is not installed on the host (install it first, e.g. with the apt module)' };
  if (head.trim() !== 'ok') return { error: `git ls-remote failed: ${rest.join(' ').trim() || 'no output'}` };
  const refs = new Map<string, string>();
  for (const line of rest) {
    const m = /^([0-9a-f]{40})\s+(\S+)$/.exec(line.trim());
    if (m) refs.set(m[2], m[1]);
  }
  for (const ref of [`refs/tags/${version}^{}`, `refs/tags/${version}`, `refs/heads/${version}`, `${version}^{}`, version]) {
    const c = refs.get(ref);
    if (c) return { commit: c, ref: ref.replace(/\^\{\}$/, '') };
  }
  if (/^[0-9a-f]{40}$/.test(version)) return { commit: version };
  return { error: `no branch or tag "${version}" in the repo (a commit must be given as its full 40-hex sha)` };
}

export function gitRevFact(g: GitSource): FactDef<GitRev> {
  return {
    key: `git-rev:${g.repo}#${g.version}`,
    script: `sh -c ${shq(LS_REMOTE)} app-git-rev ${shq(g.repo)} ${shq(g.version)}`,
    parse: (out) => resolveRev(g.version, out),
  };
}

/** Fetches the repo into the bare cache ROOT/shared/git, then exports SUBDIR of COMMIT into releases/ID/bundle. */
export const GIT_DEPLOY = `set -e
repo=$1 commit=$2 root=$3 id=$4 user=$5 sub=$6
command -v git >/dev/null 2>&1 || { echo "git is not installed on the host" >&2; exit 2; }
export GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=/bin/false
mkdir -p "$root/releases" "$root/shared"
cache="$root/shared/git"
if [ ! -f "$cache/HEAD" ]; then rm -rf "$cache"; git init -q --bare "$cache"; fi
if ! git --git-dir="$cache" cat-file -e "$commit^{commit}" 2>/dev/null; then
  git --git-dir="$cache" fetch -q --prune --no-tags -- "$repo" '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*' \\
    || { echo "cannot fetch $repo" >&2; exit 3; }
  git --git-dir="$cache" cat-file -e "$commit^{commit}" 2>/dev/null || git --git-dir="$cache" fetch -q --no-tags -- "$repo" "$commit" 2>/dev/null \\
    || { echo "commit $commit is not in $repo" >&2; exit 3; }
fi
if [ "$sub" = . ]; then tree="$commit^{tree}"; else tree="$commit:$sub"; fi
git --git-dir="$cache" cat-file -e "$tree" 2>/dev/null || { echo "no directory $sub in commit $commit of $repo" >&2; exit 5; }
dir="$root/releases/$id"
rm -rf "$dir.tmp"; trap 'rm -rf "$dir.tmp"' EXIT
mkdir -p "$dir.tmp/bundle"
git --git-dir="$cache" -c tar.umask=0022 archive --format=tar -o "$dir.tmp/.export.tar" "$tree"
tar -xf "$dir.tmp/.export.tar" -C "$dir.tmp/bundle" --no-same-owner; rm -f "$dir.tmp/.export.tar"
[ -f "$dir.tmp/bundle/main.js" ] || { echo "not a Meteor bundle: no main.js in $sub of commit $commit" >&2; exit 5; }
printf '%s\\n' "$commit" > "$dir.tmp/REVISION"
chown -R "$user:" "$dir.tmp"
mv -T "$dir.tmp" "$dir"`;
