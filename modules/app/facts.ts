// app: what the host has of one app, in one sh snippet: init system, releases, current, releases.log,
// and per instance port its unit (or init script) hash and release, state, and its env file (hashes only).
import type { FactDef } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';

export type AppInstance = {
  port: number;
  /** sha256 of the unit file (or init script), when there is one. */
  unit?: string;
  /** The release the unit's command names. */
  release?: string;
  active: boolean;
  enabled: boolean;
  /** sha256 of the env file, its owner:mode, and the sha256 of each of its KEY=... lines by key. */
  env?: { sha256: string; owner: string; keys: Record<string, string> };
};

export type AppState = {
  init: 'systemd' | 'sysv';
  current?: string;
  releases: string[];
  log: string[];
  instances: AppInstance[];
};

// Forks are what a no-op run costs the host: one `systemctl show` for every unit, and every env key's
// hash in one awk and one sha256sum (each KEY=... line into a file of its own, without its newline).
const SCRIPT = `n=$1 r=$2
if [ -d /run/systemd/system ]; then init=systemd; set -- /etc/systemd/system/"$n"-*.service; else init=sysv; set -- /etc/init.d/"$n"-*; fi
echo "init $init"
c=$(readlink "$r/current" 2>/dev/null) || c=; echo "current \${c##*/}"
printf releases; for d in "$r"/releases/*; do [ -d "$d" ] || continue; b=\${d##*/}; case "$b" in *.tmp) continue ;; esac; printf ' %s' "$b"; done; echo
printf log; if [ -f "$r/releases.log" ]; then while read -r l; do [ -n "$l" ] && printf ' %s' "$l"; done < "$r/releases.log"; fi; echo
units=
for f in "$@"; do
  [ -f "$f" ] || continue
  p=\${f##*/"$n"-}; p=\${p%.service}
  case "$p" in ''|*[!0-9]*) continue ;; esac
  rel=$(sed -n 's|.*/releases/\\([^/ ]*\\)/bundle/main\\.js.*|\\1|p' "$f" | head -n 1)
  echo "unit $p $(sha256sum < "$f" | cut -c1-64) \${rel:--}"
  if [ $init = systemd ]; then
    units="$units $n-$p.service"
  else
    if "$f" status >/dev/null 2>&1; then a=active; else a=inactive; fi
    if ls /etc/rc2.d/S[0-9][0-9]"$n-$p" >/dev/null 2>&1; then e=enabled; else e=disabled; fi
    echo "state $p $a $e"
  fi
done
if [ -n "$units" ]; then
  systemctl show -p Id -p ActiveState -p UnitFileState -- $units 2>/dev/null | {
    out() { [ -n "$id" ] && { p=\${id#"$n"-}; echo "state \${p%.service} \${a:-unknown} \${e:-unknown}"; }; id= a= e=; }
    id= a= e=
    while IFS='=' read -r k v; do case "$k" in Id) id=$v ;; ActiveState) a=$v ;; UnitFileState) e=$v ;; '') out ;; esac; done
    out
  }
fi
set --
for f in "$r"/shared/env/*.env; do
  [ -f "$f" ] || continue
  p=\${f##*/}; p=\${p%.env}
  case "$p" in ''|*[!0-9]*) continue ;; esac
  echo "env $p $(sha256sum < "$f" | cut -c1-64) $(stat -c %U:%a "$f")"
  set -- "$@" "$f"
done
if [ $# -gt 0 ] && t=$(mktemp -d); then
  awk -v d="$t" 'FNR == 1 { p = FILENAME; sub(/.*\\//, "", p); sub(/\\.env$/, "", p) }
    /^[A-Z_]/ && index($0, "=") > 0 { f = d "/" p " " substr($0, 1, index($0, "=") - 1); printf "%s", $0 > f; close(f) }' "$@"
  (cd "$t" && sha256sum -- *) |
    while read -r h p k; do echo "key $p $k $h"; done
  rm -rf "$t"
fi`;

export function parseApp(out: string): AppState {
  const s: AppState = { init: 'systemd', releases: [], log: [], instances: [] };
  const byPort = new Map<number, AppInstance>();
  const inst = (p: string) => {
    const port = Number(p);
    if (!byPort.has(port)) byPort.set(port, { port, active: false, enabled: false });
    return byPort.get(port)!;
  };
  for (const line of out.split('\n')) {
    const [kind, ...w] = line.trim().split(/\s+/);
    if (kind === 'init') s.init = w[0] === 'sysv' ? 'sysv' : 'systemd';
    else if (kind === 'current') s.current = w[0] || undefined;
    else if (kind === 'releases') s.releases = w.filter(Boolean).sort();
    else if (kind === 'log') s.log = w.filter(Boolean);
    else if (kind === 'unit' && w.length >= 3) {
      const i = inst(w[0]);
      i.unit = w[1];
      if (w[2] !== '-') i.release = w[2];
    } else if (kind === 'state' && w.length >= 3) Object.assign(inst(w[0]), { active: w[1] === 'active', enabled: w[2] === 'enabled' }); else if (kind === 'env' && w.length >= 3) inst(w[0]).env = { sha256: w[1], owner: w[2], keys: {} };
    else if (kind === 'key' && w.length >= 3) {
      // The key may hold spaces: the hash is the last word.
      const e = inst(w[0]).env;
      if (e) e.keys[w.slice(1, -1).join(' ')] = w[w.length - 1];
    }
  }
  s.instances = [...byPort.values()].sort((a, b) => a.port - b.port);
  return s;
}

export function appFact(name: string, root: string): FactDef<AppState> {
  return {
    key: `app:${name}:${root}`,
    script: `sh -c ${shq(SCRIPT)} app-facts ${shq(name)} ${shq(root)}`,
    parse: (out) => parseApp(out),
  };
}
