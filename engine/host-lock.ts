// The host lock: one apply at a time per host. A channel opened beside the run's first exec takes an flock
// on the host and holds it (a `cat` reading the channel) until the run ends; the lock dies with the
// connection, so a run that was killed leaves none behind. Every exec of the run first checks that the
// lock file names this run's token, so nothing runs before the lock is taken, nor after another run broke it.
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { shq } from './shell.ts';

export type LockOptions = {
  /** Seconds to wait for a run that holds the lock; 0: refuse at once. */
  waitSeconds: number;
  /** Kill the process that holds the lock (a run that is gone but whose session lingers), then take it. */
  breakLock: boolean;
};

export const LOCKED = 'PROVISION-LOCKED';
const HELD = 'PROVISION-LOCK-HELD';
const LOST = 75;
const FILE = 'f=/run/lock/provision.lock; { [ -d /run/lock ] && [ -w /run/lock ]; } || f=/tmp/provision.lock';

/** The command of the lock channel: take the lock (waiting, or breaking it, as asked), say so, then hold it. */
export function lockScript(token: string, o: LockOptions): string {
  const by = `${userInfo().username}@${hostname()} pid ${process.pid}`;
  const take = o.breakLock
    // Only a process that has the lock file open is killed: a pid in a stale file may be anyone's by now.
    ? `holder=$(sed -n 's/^pid=//p' "$f" | head -n 1); [ -n "$holder" ] && ls -l /proc/"$holder"/fd 2>/dev/null | grep -qF "$f" && kill "$holder"; ` +
      `flock -w ${Math.max(o.waitSeconds, 10)} 9`
    : o.waitSeconds > 0 ? `flock -w ${o.waitSeconds} 9` : 'false';
  return [
    FILE,
    'command -v flock >/dev/null 2>&1 || { echo "flock (util-linux) is not installed: the host cannot be locked"; exit 1; }',
    // Any account provision connects as (root, or a deploy user with become) must be able to take it.
    'umask 000; exec 9>>"$f" || { echo "cannot open the lock file $f (made by another account; it goes at reboot)"; exit 1; }',
    `if ! flock -n 9; then ${take} || { echo ${HELD}; cat "$f"; exit ${LOST}; }; fi`,
    `printf 'token=%s\\npid=%s\\nby=%s\\nsince=%s\\n' ${token} $$ ${shq(by)} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$f"`,
    `echo ${LOCKED}`,
    'exec cat >/dev/null',
  ].join('\n');
}

/** The prefix of every command of the run: wait (briefly) until the lock file names this run, else stop. */
export function guardPrefix(token: string, o: LockOptions): string {
  const tries = Math.ceil((Math.max(o.waitSeconds, o.breakLock ? 10 : 0) + 15) / 0.02);
  return `${FILE}; n=0; until grep -qx token=${token} "$f" 2>/dev/null; do n=$((n+1)); ` +
    `[ $n -gt ${tries} ] && { echo "provision: this run does not hold the host lock $f (another run has it)" >&2; exit ${LOST}; }; sleep 0.02; done; `;
}

export const newToken = () => randomBytes(12).toString('hex');

/** The refusal of a held lock, from the lock channel's output: who holds it, and what to do. */
export function lockRefusal(output: string, o: LockOptions): string {
  if (!output.includes(HELD)) return output;
  const info = Object.fromEntries(output.split('\n').map((l) => /^(\w+)=(.*)$/.exec(l)).filter((m) => m).map((m) => [m![1], m![2]]));
  const who = info.by ? `${info.by}, since ${info.since ?? '?'}, holder pid ${info.pid ?? '?'} on the host` : 'an unknown holder';
  return `another apply is running on this host (${who})` +
    (o.waitSeconds > 0 ? `, still after waiting ${o.waitSeconds} s` : '') +
    ': wait for it (--lock-wait SECONDS waits), or if that run is dead but its session lingers, take the lock with --break-lock';
}
