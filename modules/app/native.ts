// app: a new release's native npm packages rebuilt for the host's Node (rebuild_native), after it is unpacked
// into releases/ID.tmp and before it is moved into place, so no instance ever runs a release whose binaries
// were built for another machine (a bundle made on a Mac, or for another Node). What the deploy scripts of
// 2013 did by hand (`cd bundle/programs/server/node_modules && rm -r fibers && npm install fibers@1.0.1`),
// done with npm's install lifecycle on the host: `npm rebuild NAME` (preinstall, install and postinstall of
// every package NAME in that node_modules tree; with npm 1.2.30: fibers' `node ./build.js`, which keeps its
// prebuilt binary for the host's V8 when it passes its quick test, else compiles with node-gyp).
//
// It runs as the app's user (runuser, HOME theirs), not root: install scripts are code from the bundle and get
// no more than the app itself has; what they write belongs to the user like the rest of the release (run by
// root, files it builds are root's); and npm 1.x run as root skips a package's scripts it deems unsafe with a
// warning and exit 0, a silent non-build. A failure removes the staged release and says which package, why
// (node-gyp's own error, e.g. no Python 2) and where npm's whole output is.
import type { Step } from '../../engine/module.ts';

export const REBUILD_NATIVE = `#!/bin/sh
# provision (app module): npm rebuild, as the app's user, of each native npm package of a staged release
dir=$1 id=$2 user=$3 nodedir=$4 log=$5
case "$dir" in */releases/*.tmp) ;; *) echo "rebuild-native: $dir is not a staged release" >&2; exit 2 ;; esac
fail() { rm -rf "$dir"; echo "release $id: $*" >&2; exit 1; }
b="$dir/bundle"
list=$(mktemp) && names=$(mktemp) || exit 1
trap 'rm -f "$list" "$names"' EXIT
# Where a server's packages are: 0.6+ programs/server/node_modules and programs/server/npm/PACKAGE/SLICE/node_modules
# (the npm dependencies of Meteor packages); 0.5 and older server/node_modules. A native package is a package
# directory (node_modules/NAME or node_modules/@SCOPE/NAME, with a package.json) holding a binding.gyp.
{
  for r in "$b/programs/server" "$b/server"; do [ -d "$r/node_modules" ] && echo "$r"; done
  [ -d "$b/programs/server/npm" ] && find "$b/programs/server/npm" -type d -name node_modules -prune -printf '%h\\n'
} | sort -u | while IFS= read -r r; do
  find "$r/node_modules" -type f -name binding.gyp | sort | while IFS= read -r g; do
    p=\${g%/binding.gyp}; up=\${p%/*}
    case "$up" in */node_modules) name=\${p##*/} ;; */node_modules/@*) name=\${up##*/}/\${p##*/} ;; *) continue ;; esac
    [ -f "$p/package.json" ] && printf '%s\\t%s\\t%s\\n' "$r" "$name" "\${p#"$dir"/}"
  done
done > "$list"
[ -s "$list" ] || exit 0
cut -f1,2 "$list" | sort -u > "$names"
[ -x "$nodedir/npm" ] || fail "it has native npm packages ($(cut -f2 "$names" | sort -u | tr '\\n' ' ' | sed 's/ $//')) to rebuild for this host's Node, but there is no npm beside node in $nodedir"
path="$nodedir:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
nv=$("$nodedir/node" -v 2>/dev/null) || nv="of $nodedir"
npmv=$(PATH="$path" npm -v 2>/dev/null) || npmv=unknown
mkdir -p "\${log%/*}"; : > "$log"
tab=$(printf '\\t')
while IFS=$tab read -r r name; do
  where=$(awk -F'\\t' -v r="$r" -v n="$name" '$1 == r && $2 == n { printf "%s%s", s, $3; s = ", " }' "$list")
  echo "== release $id: npm rebuild $name in \${r#"$dir"/}, as $user (node $nv, npm $npmv)" >> "$log"
  if ! (cd "$r" && runuser -u "$user" -- env PATH="$path" npm rebuild "$name") >> "$log" 2>&1; then
    why=$(sed -n 's/^gyp ERR! stack Error: //p' "$log" | head -n 1)
    [ -n "$why" ] || why=$(grep -v -e '^npm ERR!' -e '^npm WARN' -e '^[[:space:]]*$' "$log" | tail -n 1)
    fail "the native npm package $name ($where) did not build for node $nv (npm $npmv: npm rebuild $name, as $user): $(printf '%s' "$why" | cut -c1-300 | sed 's/[.]*$//'). The release was not deployed; npm's output is in $log"
  fi
done < "$names"`;

/** The rebuild of the release staged in `staged`: the script written into ROOT/shared (a failure names it), then run. */
export function rebuildSteps(root: string, staged: string, release: string, user: string, node: string): Step[] {
  const nodeDir = node.replace(/\/[^/]*$/, '') || '/';
  const script = `${root}/shared/rebuild-native`;
  return [
    { exec: ['install', '-d', '-m', '0755', root, `${root}/shared`] },
    { write: { path: script, content: REBUILD_NATIVE, mode: '0755' } },
    { exec: [script, staged, release, user, nodeDir, `${root}/shared/log/rebuild-native.log`] },
  ];
}
