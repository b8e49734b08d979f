// Python regular expressions (Ansible's regex_* filters and match/search tests use Python's re) as JavaScript's:
// named groups, \A and \Z, inline flags at the start, and replacement strings (\1, \g<name>).

/** A Python pattern as a JavaScript RegExp. */
export function pyRegExp(pattern: string, opts: { ignorecase?: boolean; multiline?: boolean; dotall?: boolean; global?: boolean } = {}): RegExp {
  let p = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(p);
  if (inline) {
    p = p.slice(inline[0].length);
    if (inline[1].includes('i')) flags += 'i';
    if (inline[1].includes('m')) flags += 'm';
    if (inline[1].includes('s')) flags += 's';
  }
  p = p.replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\A/g, '^').replace(/\\Z/g, '$(?![\\s\\S])');
  // Python reads a backslash before any other character than an ASCII letter or digit as that character (re.escape
  // writes `\ `, `\-`, `\#`, `\&`, `\~`, a backslash and a newline...); JavaScript's u flag takes that only of its own
  // syntax characters: the others are written as the code point itself, which means the same in a class too.
  p = p.replace(/\\([\s\S])/gu, (m, c: string) => (/[A-Za-z0-9^$\\.*+?()[\]{}|/]/.test(c) ? m : `\\u{${c.codePointAt(0)!.toString(16)}}`));
  if (opts.ignorecase && !flags.includes('i')) flags += 'i';
  if (opts.multiline && !flags.includes('m')) flags += 'm';
  if (opts.dotall && !flags.includes('s')) flags += 's';
  if (opts.global) flags += 'g';
  return new RegExp(p, `${flags}u`);
}

/** A Python replacement string (\1, \g<1>, \g<name>, \\, \n...) as JavaScript's ($1, $<name>, $$ for a dollar). */
export function pyReplacement(r: string): string {
  // Python's template also turns \n, \t, \r, \f, \v, \a and \b into those characters.
  const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b' };
  return r.replace(/\$/g, '$$$$').replace(/\\g<(\d+)>|\\g<(\w+)>|\\(\d{1,2})|\\([ntrfvab])|\\\\/g, (m, num, name, digit, esc) =>
    (num ? `$${num}` : name ? `$<${name}>` : digit ? `$${digit}` : esc ? ESC[esc] : '\\'));
}
