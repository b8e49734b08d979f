// meteor: the warehouse of Meteor 0.6 (~/.meteor of a user), read as a fact, and the fixed sh scripts that
// change it, each doing what Meteor's own code did (release/0.6.5.2: scripts/admin/launch-meteor and
// install-engine.sh for the first install, tools/warehouse.js for a release added beside others). The layout:
//   meteor                 -> tools/latest/bin/meteor
//   tools/latest           -> TOOLS (a 10-hex tools version), tools/TOOLS/ (bin/meteor, launch-meteor, ...)
//   releases/latest        -> RELEASE.release.json, releases/RELEASE.release.json (the manifest), RELEASE.notices.json
//   packages/NAME/VERSION/ (each package version the manifests name)
// A release is installed when its manifest is there with its tools and every package it names (warehouse.js's own
// test); the manifest is written last, so a release cut short is not taken for one.
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { homeFactPrefix } from '../../facts/accounts.ts';

export type WarehouseState = {
  home?: string;
  /** `uname`_`uname -m`, as the launcher names the bootstrap tarball: Linux_x86_64. */
  platform: string;
  /** ~/.meteor exists (then the launcher installs nothing). */
  warehouse: boolean;
  /** ~/.meteor/meteor is executable: the launcher's test of a warehouse it can run. */
  runnable: boolean;
  /** The release releases/latest names. */
  latest?: string;
  /** Releases installed whole, sorted. */
  releases: string[];
};

/** The platforms Meteor 0.6 published (the launcher refuses others). */
export const PLATFORMS = ['Linux_x86_64', 'Linux_i686'];

type Manifest = { tools?: unknown; packages?: unknown };

/** Whether a manifest's tools and packages are all in the warehouse (tools/warehouse.js _calculateNewPiecesForRelease). */
function whole(text: string, tools: Set<string>, packages: Set<string>): boolean {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    return false;
  }
  if (typeof m.tools !== 'string' || !tools.has(m.tools)) return false;
  const p = m.packages && typeof m.packages === 'object' ? Object.entries(m.packages as Record<string, unknown>) : [];
  return p.every(([name, version]) => typeof version === 'string' && packages.has(`${name}/${version}`));
}

export function warehouseFact(user: string): FactDef<WarehouseState> {
  return {
    // A fact about what is in a user's home: `home:USER:` keys are made unknown by the user module when the home moves.
    key: `${homeFactPrefix(user)}meteor`,
    script: `echo "$(uname -s)_$(uname -m)"; h=$(getent passwd ${shq(user)} | cut -d: -f6); echo "$h"; w="$h/.meteor"
if [ -n "$h" ] && { [ -e "$w" ] || [ -L "$w" ]; }; then echo warehouse; else echo none; fi
if [ -n "$h" ] && [ -x "$w/meteor" ]; then echo runnable; else echo not-runnable; fi
readlink "$w/releases/latest" 2>/dev/null || echo
(cd "$w/tools" 2>/dev/null && for d in *; do [ -d "$d" ] && [ ! -L "$d" ] && printf '%s ' "$d"; done); echo
(cd "$w/packages" 2>/dev/null && for d in */*; do [ -d "$d" ] && printf '%s ' "$d"; done); echo
for f in "$w"/releases/*.release.json; do [ -f "$f" ] && [ -n "$h" ] || continue; echo "--- $(basename "$f" .release.json)"; cat "$f"; echo; done`,
    parse(out) {
      const [head, ...manifests] = out.split(/^--- /m);
      const [platform, home, warehouse, runnable, latest = '', tools = '', packages = ''] = head.split('\n');
      const t = new Set(tools.trim().split(' ').filter(Boolean));
      const p = new Set(packages.trim().split(' ').filter(Boolean));
      const releases = manifests.flatMap((m) => {
        const nl = m.indexOf('\n');
        return whole(m.slice(nl + 1), t, p) ? [m.slice(0, nl).trim()] : [];
      }).sort();
      return {
        platform: platform.trim(),
        home: home.trim() || undefined,
        warehouse: warehouse.trim() === 'warehouse',
        runnable: runnable.trim() === 'runnable',
        latest: latest.trim().replace(/\.release\.json$/, '') || undefined,
        releases,
      };
    },
  };
}

/** The launcher on PATH is one for the whole host, not one per user: a fact of its own. */
export function launcherFact(): FactDef<boolean> {
  return { key: 'meteor-launcher', script: '[ -x /usr/local/bin/meteor ] && echo launcher || echo none', parse: (out) => out.trim() === 'launcher' };
}

/** Runs a script as the warehouse's owner (as the installer ran as the user): `sh -c AS_USER meteor USER HOME SCRIPT ARGS...`. */
export const AS_USER = `u=$1 h=$2 s=$3; shift 3
if [ "$(id -un)" = "$u" ]; then exec env HOME="$h" sh -c "$s" meteor "$@"; fi
exec runuser -u "$u" -- env HOME="$h" sh -c "$s" meteor "$@"`;

/** Downloads a bootstrap tarball into DIR/tarball and unpacks it there; exits 3 or 4 with the reason. */
const FETCH = `curl -fsS --retry 2 -o "$tmp/bootstrap.tar.gz" "$url" || { echo "cannot download $url" >&2; exit 3; }
tar -xzf "$tmp/bootstrap.tar.gz" -C "$tmp" || { echo "$url is not a gzipped tarball" >&2; exit 4; }
test -x "$tmp/.meteor/meteor" || { echo "$url holds no .meteor/meteor: not a Meteor bootstrap tarball" >&2; exit 4; }`;

/**
 * The first install, as install-engine.sh and launch-meteor do it: the bootstrap tarball unpacked in
 * $(dirname ~/.meteor)/.meteor-install-tmp, its .meteor moved whole to ~/.meteor. `sh -c BOOTSTRAP meteor URL WAREHOUSE`.
 */
export const BOOTSTRAP = `set -eu
url=$1 w=$2
tmp="$(dirname "$w")/.meteor-install-tmp"
rm -rf "$tmp"; mkdir "$tmp"; trap 'rm -rf "$tmp"' EXIT
${FETCH}
mv "$tmp/.meteor" "$w"
test -x "$w/meteor"`;

/**
 * A release beside others, as tools/warehouse.js adds one (taken from the release's bootstrap tarball): each piece
 * the warehouse lacks moved whole (tools/VERSION, packages/NAME/VERSION; a version that is a link moves with what it
 * links to), pieces it has kept, the notices, then the manifest last. `sh -c ADD meteor URL WAREHOUSE RELEASE`.
 */
export const ADD = `set -eu
url=$1 w=$2 release=$3
tmp=$(mktemp -d "$w/.tmp-XXXXXXXX"); trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
${FETCH}
n="$tmp/.meteor"
test -f "$n/releases/$release.release.json" || { echo "$url holds no manifest of Meteor $release" >&2; exit 4; }
place() { # place REL: moves n/REL to w/REL unless there; a link first brings what it links to
  [ -e "$w/$1" ] && return 0
  mkdir -p "$(dirname "$w/$1")"
  if [ -L "$n/$1" ]; then t=$(readlink "$n/$1"); case $t in /*|*..*) ;; *) d=$(dirname "$1"); [ -e "$n/$d/$t" ] && [ ! -e "$w/$d/$t" ] && mv "$n/$d/$t" "$w/$d/$t";; esac; fi
  mv "$n/$1" "$w/$1"
}
for t in "$n"/tools/*; do [ -L "$t" ] || place "tools/\${t##*/}"; done
for p in "$n"/packages/*/*; do [ -e "$p" ] || [ -L "$p" ] || continue; place "packages/\${p#"$n/packages/"}"; done
if [ -f "$n/releases/$release.notices.json" ]; then mv "$n/releases/$release.notices.json" "$w/releases/$release.notices.json"; fi
mv "$n/releases/$release.release.json" "$w/releases/$release.release.json"`;

/**
 * Makes a release the latest, as warehouse.js's fetchLatestRelease does: tools/latest to its manifest's tools, then
 * releases/latest to its manifest, each link made beside and renamed over. `sh -c SWITCH meteor WAREHOUSE RELEASE`.
 */
export const SWITCH = `set -eu
w=$1 release=$2
tools=$(grep -o '"tools" *: *"[^"]*"' "$w/releases/$release.release.json" | head -n 1 | sed 's/.*"\\([^"]*\\)"$/\\1/')
[ -n "$tools" ] && [ -d "$w/tools/$tools" ] || { echo "the manifest of Meteor $release names tools '$tools', which $w/tools lacks" >&2; exit 4; }
ln -sfn "$tools" "$w/tools/latest.tmp" && mv -T "$w/tools/latest.tmp" "$w/tools/latest"
ln -sfn "$release.release.json" "$w/releases/latest.tmp" && mv -T "$w/releases/latest.tmp" "$w/releases/latest"`;
