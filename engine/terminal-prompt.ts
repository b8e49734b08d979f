// A secret asked on the controlling terminal (/dev/tty, whatever stdin and stdout are): echo off before the
// question shows, one line read, the terminal restored whatever happens (Ctrl-C included). The vault password
// and a key's passphrase are asked this way.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

// Runs on the terminal (stdin and stderr are /dev/tty); the line goes to stdout (a pipe to this process).
const PROMPT_SH = `old=$(stty -g) || exit 3
trap 'stty "$old"; printf "\\n" >&2; exit 130' INT TERM HUP
stty -echo
printf '%s' "$1" >&2
IFS= read -r p; rc=$?
stty "$old"
printf '\\n' >&2
[ $rc -eq 0 ] || exit 4
printf '%s' "$p"`;

export type Asked = { answer: string } | { none: 'no terminal' | 'interrupted' | 'no answer' };

/** Asks `question` on the terminal with echo off. */
export function askOnTerminal(question: string): Asked {
  let tty: number;
  try {
    tty = openSync('/dev/tty', 'r+');
  } catch {
    return { none: 'no terminal' };
  }
  try {
    const r = spawnSync('sh', ['-c', PROMPT_SH, 'sh', question], { stdio: [tty, 'pipe', tty], encoding: 'utf8' });
    if (r.status === 130 || r.signal) return { none: 'interrupted' };
    if (r.status !== 0) return { none: 'no answer' };
    return { answer: r.stdout };
  } finally {
    closeSync(tty);
  }
}
