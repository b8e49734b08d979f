// app: a git source. The fact resolves `version` (a branch, a tag or a full commit) on the host with
// `git ls-remote`, read-only; the deploy fetches into a bare cache (ROOT/shared/git) and either exports the
// commit's bundle directory (a repo holding a built bundle) into releases/ID.tmp with `git archive`, or, with
// `build`, checks the commit out and runs the build command there as the app's user (`mrt bundle OUT.tgz`),
// unpacking the tarball it writes. User values reach git only as positional parameters of the fixed scripts
// here, after `--` where git takes options; the build command is the user's shell text by purpose.
import type { FactDef, Step } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';

export type GitSource = { repo: string; version: string; path?: string; build?: string };

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
      type: 'string', maxLength: 200,
      pattern: '^(\\.|[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*)$',
      description: 'the directory of the repo that holds the bundle (main.js ...): "bundle" (default), "." for the top, or a relative path; with build, the directory the build runs in ("." by default)',
    },
    build: {
      type: 'string', minLength: 1, maxLength: 500, pattern: '^[^\\n\\r\\u0000]*$',
      description: 'a command (sh) that builds the bundle in a checkout of the commit, e.g. "mrt bundle" or "meteor bundle": run in path as user with the node directory first on PATH, the output tarball\'s path appended as its last argument; the tarball (bundle/main.js at its top) becomes the release',
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

/** The directory git.path names: "bundle" by default, "." (the top) by default with a build. */
export const gitSub = (g: GitSource) => g.path ?? (g.build ? '.' : 'bundle');

/**
 * Fetches the repo into the bare cache ROOT/shared/git, then, by mode: `export` writes SUBDIR of COMMIT into
 * releases/ID.tmp/bundle (the staged release, owned by the user); `checkout` makes releases/ID.build.tmp/src a
 * checkout of COMMIT (sharing the cache's objects) and releases/ID.build.tmp/out, both the user's, for GIT_BUILD.
 */
export const GIT_DEPLOY = `set -e
repo=$1 commit=$2 root=$3 id=$4 user=$5 sub=$6 mode=$7
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
if [ "$mode" = checkout ]; then
  work="$dir.build.tmp"
  rm -rf "$work"; trap '[ $? -eq 0 ] || rm -rf "$work"' EXIT
  mkdir -p "$work/out"
  git clone -q --shared --no-checkout -- "$cache" "$work/src"
  git -C "$work/src" -c advice.detachedHead=false checkout -q --detach "$commit"
  chown -R "$user:" "$work"
  exit 0
fi
rm -rf "$dir.tmp"; trap '[ $? -eq 0 ] || rm -rf "$dir.tmp"' EXIT
mkdir -p "$dir.tmp/bundle"
git --git-dir="$cache" -c tar.umask=0022 archive --format=tar -o "$dir.tmp/.export.tar" "$tree"
tar -xf "$dir.tmp/.export.tar" -C "$dir.tmp/bundle" --no-same-owner; rm -f "$dir.tmp/.export.tar"
[ -f "$dir.tmp/bundle/main.js" ] || { echo "not a Meteor bundle: no main.js in $sub of commit $commit" >&2; exit 5; }
printf '%s\\n' "$commit" > "$dir.tmp/REVISION"
chown -R "$user:" "$dir.tmp"`;

/**
 * The build (git.build), a file in ROOT/shared so that a failure names it: in WORK/src/SUBDIR, as the user (HOME
 * theirs: meteor and mrt keep their releases in ~/.meteor), the command with WORK/out/bundle.tgz appended; its
 * output goes to LOG. The tarball is unpacked into the staged release releases/ID.tmp; WORK goes in any case.
 */
export const GIT_BUILD = `#!/bin/sh
# provision (app module): builds a release's bundle in a checkout of its commit, as the app's user
work=$1 dir=$2 commit=$3 user=$4 nodedir=$5 sub=$6 log=$7 build=$8
case "$work" in */releases/*.build.tmp) ;; *) echo "git-build: $work is not a build directory" >&2; exit 2 ;; esac
case "$dir" in */releases/*.tmp) ;; *) echo "git-build: $dir is not a staged release" >&2; exit 2 ;; esac
trap 'rc=$?; rm -rf "$work"; [ $rc -eq 0 ] || rm -rf "$dir"' EXIT
out="$work/out/bundle.tgz"
cd "$work/src/$sub" || exit 5
mkdir -p "\${log%/*}"
echo "== $build $out (in $sub of $commit, as $user)" > "$log"
if ! runuser -u "$user" -- env PATH="$nodedir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \\
    sh -c "$build"' "$@"' git-build "$out" >> "$log" 2>&1; then
  grep -v '^[[:space:]]*$' "$log" | tail -n 3 >&2
  echo "the build of $commit failed (\\"$build\\" in $sub, as $user): its output is in $log" >&2
  exit 6
fi
[ -s "$out" ] || { echo "the build of $commit (\\"$build\\" in $sub) wrote no tarball at $out (the path it was given last)" >&2; exit 6; }
rm -rf "$dir"; mkdir "$dir"
tar -xzf "$out" -C "$dir" --no-same-owner || { echo "the build of $commit wrote $out, which is not a gzipped tar" >&2; exit 4; }
[ -f "$dir/bundle/main.js" ] || { echo "not a Meteor bundle: the build of $commit wrote a tarball with no bundle/main.js at its top" >&2; exit 5; }
printf '%s\\n' "$commit" > "$dir/REVISION"
chown -R "$user:" "$dir"`;

/** The steps of a build: the script written into ROOT/shared, then run. */
export function gitBuildSteps(root: string, release: string, commit: string, user: string, node: string, g: GitSource): Step[] {
  const nodeDir = node.replace(/\/[^/]*$/, '') || '/';
  const script = `${root}/shared/git-build`;
  return [
    { write: { path: script, content: GIT_BUILD, mode: '0755' } },
    { exec: [script, `${root}/releases/${release}.build.tmp`, `${root}/releases/${release}.tmp`, commit, user, nodeDir, gitSub(g),
      `${root}/shared/log/git-build.log`, g.build!] },
  ];
}
