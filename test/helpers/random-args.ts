// Random strings for the argument-transport property tests (test/integration/arg-transport*.test.ts): a seeded
// PRNG, so that a failure replays with PROPERTY_SEED, and words of shell syntax (commands that would create the
// file `pwned` were any of them run by a shell), quotes, control characters, unicode and leading dashes.

/** mulberry32: a seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RandomArgs = {
  rnd: () => number;
  pick: <T>(xs: T[]) => T;
  /** A random string of fragments and plain characters (up to max + 1 of them; it may be empty). */
  word: (max?: number) => string;
  /** A random file name: anything but `/` and NUL, not `.` or `..`, not empty. */
  fileName: () => string;
};

export function randomArgs(seed: number, pwned: string): RandomArgs {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
  const fragments = [
    `$(touch ${pwned})`, `\`touch ${pwned}\``, `; touch ${pwned}`, `' ; touch ${pwned} ; '`, `" ; touch ${pwned} ; "`, `\n touch ${pwned}\n`,
    `$((1+1))`, '${HOME}', '$1', '$@', '*', '?', '~', '-rf', '--', '\\', '\\\\', "'", '"', '\n', '\r', '\t', ' ', '  ', '#', '!', '&&', '|', '>', '<',
    '{a,b}', '[x]', '%s', '%n', 'é', '中文', '😀', '\u202e', '\u00a0', '\x01', '\x1b[31m', '\x7f', '=', 'a=b', '-', '',
  ];
  const alnum = [...'abcXYZ019_./:@+,-'];
  const word = (max = 6) => {
    let s = '';
    for (let n = Math.floor(rnd() * max); n >= 0; n--) s += rnd() < 0.5 ? pick(fragments) : pick(alnum);
    return s;
  };
  const fileName = () => `f${word(4).replace(/\//g, '_')}`.slice(0, 200);
  return { rnd, pick, word, fileName };
}
