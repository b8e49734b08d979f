// What js-yaml's "deficient indentation" often means: a `[`, `{` or quote opened earlier and never closed.
// js-yaml reports it where it gave up (the next line, or past the end of the file); this finds the opener.

export type Unclosed = { offset: number; what: string };

const OPENERS: Record<string, string> = { '[': ']', '{': '}' };
const blockHeader = /[|>][-+0-9]*\s*(#.*)?$/;

/**
 * The innermost flow collection or quoted scalar still open at `end` in `text`, if any. A light scanner,
 * not a parser: comments, block scalars (`|`, `>`) and brackets inside plain scalars are skipped.
 */
export function unclosedAt(text: string, end: number): Unclosed | undefined {
  const stack: Array<{ offset: number; close: string }> = [];
  let quote: { offset: number; ch: string } | undefined;
  let blockIndent = -1; // inside a block scalar: lines indented deeper than this are its text
  let lineStart = 0;
  let tokenStart = true; // the next non-space character starts a token (a quote there opens a string)
  for (let i = 0; i < Math.min(end, text.length); i++) {
    const c = text[i];
    if (i === lineStart && blockIndent >= 0) {
      const indent = /^ */.exec(text.slice(i))![0].length;
      const nl = text.indexOf('\n', i);
      const blank = text.slice(i, nl < 0 ? text.length : nl).trim() === '';
      if (blank || indent > blockIndent) {
        if (nl < 0) break;
        i = nl;
        lineStart = nl + 1;
        continue;
      }
      blockIndent = -1;
    }
    if (quote) {
      if (quote.ch === '"' && c === '\\') i++;
      else if (quote.ch === "'" && c === "'" && text[i + 1] === "'") i++;
      else if (c === quote.ch) quote = undefined;
      if (c === '\n') lineStart = i + 1;
      tokenStart = false;
      continue;
    }
    if (c === '\n') {
      lineStart = i + 1;
      tokenStart = true;
      continue;
    }
    if (c === ' ' || c === '\t') continue;
    if (c === '#' && (i === lineStart || /\s/.test(text[i - 1]))) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (tokenStart && (c === '"' || c === "'")) {
      quote = { offset: i, ch: c };
    } else if ((tokenStart || stack.length) && c in OPENERS) {
      stack.push({ offset: i, close: OPENERS[c] });
      tokenStart = true;
      continue;
    } else if (stack.length && c === stack[stack.length - 1].close) {
      stack.pop();
    } else if (!stack.length && c === '|' || !stack.length && c === '>') {
      const nl = text.indexOf('\n', i);
      if (tokenStart && blockHeader.test(text.slice(i, nl < 0 ? text.length : nl))) {
        blockIndent = /^ */.exec(text.slice(lineStart))![0].length;
      }
    }
    // After these, a value or an entry starts: a quote there opens a string (`- "a"`, `k: 'v'`, `[a, "b"]`).
    tokenStart = c === ',' || ((c === ':' || c === '-' || c === '?') && /\s/.test(text[i + 1] ?? '\n'));
  }
  if (quote) return { offset: quote.offset, what: `the ${quote.ch === '"' ? 'double' : 'single'}-quoted string opened here` };
  const top = stack[stack.length - 1];
  return top && { offset: top.offset, what: `the ${text[top.offset]} opened here` };
}
