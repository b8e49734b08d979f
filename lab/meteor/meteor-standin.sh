#!/bin/sh
# The lab's stand-in for the Meteor 0.6 `meteor` tool (tools/VERSION/bin/meteor in the warehouse). The lab cannot
# reach Meteor's downloads, so the tool's code is a stand-in; what it reads is real: the warehouse in ~/.meteor
# (or $METEOR_WAREHOUSE_DIR) laid out as Meteor 0.6's installer leaves it. Like the real tool it picks the release
# (--release X, else the app's .meteor/release, else releases/latest) and springboards to that release's tools.
# It answers --version as the real one does ("Release X"); every other command fails, saying it is a stand-in.
set -eu
warehouse=${METEOR_WAREHOUSE_DIR:-$HOME/.meteor}
# Run through ~/.meteor/meteor (a link, as the launcher runs it): its own directory is the link's target's.
me=$(cat "$(dirname "$(readlink -f "$0")")/../.tools_version.txt")
release=""
if [ "${1:-}" = --release ] && [ $# -ge 2 ]; then release=$2; shift 2; fi
if [ -z "$release" ]; then
  d=$(pwd)
  while [ "$d" != / ]; do
    if [ -f "$d/.meteor/release" ]; then release=$(head -n 1 "$d/.meteor/release"); break; fi
    d=$(dirname "$d")
  done
fi
[ -n "$release" ] || release=$(readlink "$warehouse/releases/latest" | sed 's/\.release\.json$//')
manifest="$warehouse/releases/$release.release.json"
if [ ! -f "$manifest" ]; then
  echo "Sorry, Meteor $release is not installed and could not be downloaded (the lab's stand-in tool downloads nothing)." >&2
  exit 1
fi
tools=$(sed -n 's/^ *"tools": *"\([^"]*\)".*/\1/p' "$manifest")
if [ "$tools" != "$me" ]; then
  # The real tool's springboard: the release wants other tools, which run instead.
  exec "$warehouse/tools/$tools/bin/meteor" --release "$release" "$@"
fi
case "${1:-}" in
  --version) echo "Release $release" ;;
  *) echo "meteor: the lab's stand-in for the Meteor $release tools ($me) answers only --version; it cannot run '${1:-}'" >&2; exit 1 ;;
esac
