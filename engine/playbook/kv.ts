// Ansible's free-form arguments: `apt: name=nginx state=present`, `copy: dest="/etc/a b" content='x y'`.
// Split as Ansible's split_args does (whitespace outside quotes and {{ }} / {% %} / {# #} blocks), then each
// `key=value` as its parse_kv (a value loses one pair of matching outer quotes). The values are strings; the
// module's schema converts them (`enabled=yes` -> true, `port=80` -> 80) as Ansible's argument specs do.

/** The words of a free-form string; throws on an unclosed quote or template block. */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let depth = 0;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    if (!quote && /^(\{\{|\{%|\{#)$/.test(two)) {
      depth++;
      cur += two;
      i++;
      started = true;
      continue;
    }
    if (!quote && depth && /^(\}\}|%\}|#\})$/.test(two)) {
      depth--;
      cur += two;
      i++;
      continue;
    }
    if (c === '\\' && quote === '"' && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (!depth && (c === '"' || c === "'")) {
      if (!quote) quote = c;
      else if (quote === c) quote = '';
      cur += c;
      started = true;
      continue;
    }
    if (!quote && !depth && /\s/.test(c)) {
      if (started) words.push(cur);
      cur = '';
      started = false;
      continue;
    }
    cur += c;
    started = true;
  }
  if (quote) throw new Error(`an unclosed ${quote} quote`);
  if (depth) throw new Error('an unclosed template block');
  if (started) words.push(cur);
  return words;
}

/** One pair of matching outer quotes removed; a double-quoted value's \" and \\ unescaped. */
function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) {
    const inner = v.slice(1, -1);
    return v[0] === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
  }
  return v;
}

export type KvResult = { args: Record<string, string>; raw: string[] };

/**
 * `key=value` words as a mapping; the words without `=` (a free-form module's command line) are kept apart,
 * in order, as Ansible's _raw_params. A key is a name: `a b=c` gives raw ["a"] and b=c. With `only` (Ansible's
 * check_raw, for command and shell), a key=value word whose key is not one of those stays in the command line:
 * `command: env FOO=bar prog creates=/x` runs `env FOO=bar prog`.
 */
export function parseKv(text: string, only?: ReadonlySet<string>): KvResult {
  const args: Record<string, string> = {};
  const raw: string[] = [];
  for (const w of splitArgs(text)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w);
    if (m && (!only || only.has(m[1]))) args[m[1]] = unquote(m[2]);
    else raw.push(w);
  }
  return { args, raw };
}
