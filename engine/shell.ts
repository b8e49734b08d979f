// POSIX shell quoting: the one place a command line is built from argv. Works in sh, dash and bash.

/** Quotes one word for a POSIX shell; safe words pass through unquoted. */
export function shq(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Joins argv into one POSIX shell command line. A first word with `=` in it is quoted even when safe: unquoted,
 * the shell would take `X=1 prog` as an assignment and run `prog`, not the program named `X=1`.
 */
export function shJoin(argv: string[]): string {
  return argv.map((w, i) => (i === 0 && w.includes('=') ? `'${w.replaceAll("'", `'\\''`)}'` : shq(w))).join(' ');
}
