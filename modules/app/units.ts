// app: the texts the app module writes (env files, systemd units, LSB init scripts) and the fixed sh
// scripts it runs with positional arguments. Nothing here builds a command line out of user input.

export type AppLayout = {
  name: string;
  root: string;
  user: string;
  node: string;
  forever: string;
};

export const releaseDir = (l: AppLayout, release: string) => `${l.root}/releases/${release}`;
export const bundleDir = (l: AppLayout, release: string) => `${releaseDir(l, release)}/bundle`;
export const envPath = (l: AppLayout, port: number) => `${l.root}/shared/env/${port}.env`;
export const logPath = (l: AppLayout, port: number) => `${l.root}/shared/log/${port}.log`;
export const foreverRoot = (l: AppLayout) => `${l.root}/shared/forever`;
export const unitName = (l: AppLayout, port: number) => `${l.name}-${port}`;
export const unitPath = (l: AppLayout, port: number, sysv: boolean) =>
  sysv ? `/etc/init.d/${unitName(l, port)}` : `/etc/systemd/system/${unitName(l, port)}.service`;

/** One value in double quotes: read the same by systemd's EnvironmentFile= and by sh's `.`. */
const quote = (v: string) => `"${v.replace(/[\\"$`]/g, '\\$&')}"`;

/** The variables of one instance: PORT, PATH (so forever finds node), FOREVER_ROOT, then the given env by name. */
export function envVars(l: AppLayout, port: number, env: Record<string, string>): Array<[string, string]> {
  const nodeDir = l.node.replace(/\/[^/]*$/, '') || '/';
  const base: Record<string, string> = {
    PORT: String(port),
    PATH: [...new Set([nodeDir, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(':'),
    FOREVER_ROOT: foreverRoot(l),
  };
  const given = Object.keys(env).sort().filter((k) => k !== 'PORT').map((k): [string, string] => [k, env[k]]);
  return [...Object.entries(base).filter(([k]) => !(k in env) || k === 'PORT'), ...given];
}

/** A line of the env file, as the facts read it back (one per variable). */
export const envLine = ([k, v]: [string, string]) => `${k}=${quote(v)}`;

export function envText(l: AppLayout, port: number, env: Record<string, string>): string {
  return [`# ${unitName(l, port)}: managed by provision (app module); values are secrets, mode 0600`,
    ...envVars(l, port, env).map(envLine), ''].join('\n');
}

/** forever in the foreground, run by the given node, restarting the app if it dies; its script names the release. */
export function foreverArgv(l: AppLayout, port: number, release: string): string[] {
  return [l.node, l.forever, '-c', l.node, '--minUptime', '1000', '--spinSleepTime', '1000', '-a',
    '-l', logPath(l, port), '-o', logPath(l, port), '-e', logPath(l, port), `${bundleDir(l, release)}/main.js`];
}

export function systemdUnit(l: AppLayout, port: number, release: string): string {
  return `# ${unitName(l, port)}: managed by provision (app module)
[Unit]
Description=${l.name} on port ${port}, release ${release} (forever)
After=network.target

[Service]
Type=simple
User=${l.user}
EnvironmentFile=${envPath(l, port)}
WorkingDirectory=${bundleDir(l, release)}
ExecStart=${foreverArgv(l, port, release).join(' ')}
Restart=always
RestartSec=2
KillMode=control-group

[Install]
WantedBy=multi-user.target
`;
}

/** An LSB init script for hosts without systemd: start-stop-daemon runs forever as the user, in its own session. */
export function initScript(l: AppLayout, port: number, release: string): string {
  const [exe, ...args] = foreverArgv(l, port, release);
  const n = unitName(l, port);
  return `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${n}
# Required-Start:    $remote_fs $network
# Required-Stop:     $remote_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: ${l.name} on port ${port}, release ${release} (forever)
### END INIT INFO
# managed by provision (app module)
PIDFILE=/run/${n}.pid
ENVFILE=${envPath(l, port)}
start() {
  [ -r "$ENVFILE" ] || { echo "${n}: no $ENVFILE" >&2; exit 1; }
  set -a; . "$ENVFILE"; set +a
  start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$PIDFILE" --chuid ${l.user} \\
    --chdir ${bundleDir(l, release)} --exec ${exe} -- ${args.join(' ')}
}
stop() {
  [ -f "$PIDFILE" ] || return 0
  pid=$(cat "$PIDFILE")
  # forever and the app share the process group of the session start-stop-daemon made: stop them both.
  pg=$(ps -o pgid= -p "$pid" | tr -d ' ')
  if [ -n "$pg" ] && [ "$pg" != "$(ps -o pgid= -p $$ | tr -d ' ')" ]; then t=-$pg; else t=$pid; fi
  kill -TERM "$t" 2>/dev/null
  i=0; while kill -0 "$t" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  kill -KILL "$t" 2>/dev/null
  rm -f "$PIDFILE"
}
case "$1" in
  start) start ;;
  stop) stop ;;
  restart|force-reload) stop; start ;;
  status) start-stop-daemon --status --pidfile "$PIDFILE" ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
`;
}

/**
 * Unpacks a bundle tarball (uploaded, or downloaded when $1 is a URL) into releases/ID.tmp, owned by the user:
 * the staged release, which the steps after this one (the native rebuild, the rename to releases/ID) finish.
 * The tarball goes in any case, the staged release only when this fails.
 */
export const DEPLOY = `set -e
src=$1 root=$2 id=$3 user=$4
mkdir -p "$root/releases"
dir="$root/releases/$id"
rm -rf "$dir.tmp"; mkdir "$dir.tmp"
case "$src" in
  http://*|https://*) tgz=$(mktemp "$root/releases/.download-XXXXXX") ;;
  *) tgz=$src ;;
esac
trap 'rc=$?; rm -f "$tgz"; [ $rc -eq 0 ] || rm -rf "$dir.tmp"' EXIT
case "$src" in
  http://*|https://*) curl -fsSL --retry 2 -o "$tgz" "$src" || { echo "cannot download $src" >&2; exit 3; } ;;
esac
tar -xzf "$tgz" -C "$dir.tmp" --no-same-owner || { echo "not a gzipped tar: $src" >&2; exit 4; }
[ -f "$dir.tmp/bundle/main.js" ] || { echo "not a Meteor bundle: no bundle/main.js at the top of $src" >&2; exit 5; }
chown -R "$user:" "$dir.tmp"`;

/** Waits for http://127.0.0.1:PORT/PATH to answer 200; on a timeout, says so with the last lines of the log. */
export const WAIT = `#!/bin/sh
# provision (app module): waits for an instance's health check to answer 200
unit=$1 port=$2 path=$3 timeout=$4 log=$5
end=$(( $(date +%s) + timeout )); code=none
while :; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port$path" 2>/dev/null) || true
  [ "$code" = 200 ] && exit 0
  [ "$(date +%s)" -ge "$end" ] && break
  sleep 0.5
done
tail -n 2 "$log" >&2 2>/dev/null
echo "$unit did not answer 200 on http://127.0.0.1:$port$path within $timeout s (last status $code): stopped here, the instances after it run their previous release" >&2
exit 1`;
