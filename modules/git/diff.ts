// git's --diff as Ansible's get_diff: ">> Newly checked out SHA" for a checkout made (or, clone: no, one that would
// be), and `git diff BEFORE AFTER` when an update moves the checkout, with Ansible's words when that shows nothing
// or fails. Ansible fetches into the repository to diff, in check mode too; provision fetches what it lacks into a
// throwaway repository borrowing the checkout's objects, so the checkout, its refs and FETCH_HEAD stay as they are.
import type { Change, FileDiff, Step } from '../../engine/module.ts';

/** Ansible's diff of a checkout made: its commit (as get_remote_head gives it in check mode: a sha as written). */
export const newlyCheckedOut = (dest: string, sha: string): FileDiff => ({ path: dest, before: null, after: null, prepared: `>> Newly checked out ${sha}` });

/** The commit of a checkout just made, read once it is there (a version given as a short sha: its full sha). */
export function checkedOutRead(dest: string, env: Record<string, string>): NonNullable<Change['diffRead']> {
  return { path: dest, when: 'after', step: { exec: ['sh', '-c', `printf '>> Newly checked out %s' "$(git rev-parse HEAD)"`], cwd: dest, env } };
}

const DIFF = `before=$1 after=$2 url=$3
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
if ! git cat-file -e "$after^{commit}" 2>/dev/null; then
  git init -q --bare "$d/r" && (cd -- "$(git rev-parse --git-path objects)" && pwd) > "$d/r/objects/info/alternates" &&
    git -C "$d/r" fetch -q --tags -- "$url" '+refs/heads/*:refs/heads/*' || exit 1
  export GIT_ALTERNATE_OBJECT_DIRECTORIES="$d/r/objects"
fi
git diff "$before" "$after" >"$d/out" 2>"$d/err"; rc=$?
if [ $rc = 0 ] && [ -s "$d/out" ]; then cat "$d/out"
elif [ $rc = 0 ]; then printf '>> No visual differences between %s and %s' "$before" "$after"
elif [ -s "$d/err" ]; then printf '>> Failed to get proper diff between %s and %s:\\n>> %s' "$before" "$after" "$(cat "$d/err")"
else printf '>> Failed to get proper diff between %s and %s' "$before" "$after"; fi`;

/**
 * `git diff BEFORE AFTER` in the checkout, read in check mode (what the update would bring) and after the update;
 * AFTER as Ansible names it (the remote's commit for the version, a sha as written).
 */
export function commitsDiffRead(dest: string, before: string, after: string, url: string, env: Record<string, string>): NonNullable<Change['diffRead']> {
  const step: Step = { exec: ['sh', '-c', DIFF, 'provision-git-diff', before, after, url], cwd: dest, env };
  return { path: dest, when: 'after', inCheck: true, step };
}
