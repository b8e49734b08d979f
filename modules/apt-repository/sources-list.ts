// Ansible's apt_repository SourcesList, line for line (ansible/modules/apt_repository.py, ansible-core 2.14): how
// it reads sources.list and sources.list.d/*.list, the file name it derives from a repository line, how it adds
// (enabling a disabled copy anywhere, or appending) and removes a source, and the normalized text it writes back
// (every file, whenever anything changed). Pure: the files come in as text, their new text goes out.

/** Python's str.strip()/split() whitespace (str.isspace), not JavaScript's. */
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const STRIP = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');
const SPLIT = new RegExp(`[${WS}]+`);
export const pyStrip = (s: string): string => s.replace(STRIP, '');
export const pySplit = (s: string): string[] => pyStrip(s).split(SPLIT).filter((w) => w !== '');

const VALID_SOURCE_TYPES = ['deb', 'deb-src'];

/** One line as Ansible keeps it: its number, whether it is a source, enabled, the source (or text), its comment. */
export type SourceLine = { n: number; valid: boolean; enabled: boolean; source: string; comment: string };

/** Ansible's "Invalid repository string: LINE", raised for a repo that is not an enabled deb/deb-src line. */
export class InvalidSource extends Error {}

/** SourcesList._parse. */
export function parseLine(raw: string, raiseIfInvalidOrDisabled = false): Omit<SourceLine, 'n'> {
  let valid = false;
  let enabled = true;
  let comment = '';
  let line = pyStrip(raw);
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const i = line.indexOf('#');
  if (i > 0) {
    comment = pyStrip(line.slice(i + 1));
    line = line.slice(0, i);
  }
  let source = pyStrip(line);
  if (source) {
    const chunks = pySplit(source);
    if (VALID_SOURCE_TYPES.includes(chunks[0])) {
      valid = true;
      source = chunks.join(' ');
    }
  }
  if (raiseIfInvalidOrDisabled && (!valid || !enabled)) throw new InvalidSource(`Invalid repository string: ${line}`);
  return { valid, enabled, source, comment };
}

/** The lines of a file as Python's text-mode iteration gives them (universal newlines: \n, \r\n and \r). */
export function textLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** SourcesList.load: a file's lines, parsed. */
export const loadFile = (text: string): SourceLine[] => textLines(text).map((l, n) => ({ n, ...parseLine(l) }));

/** How a file's lines are written back (save and dump). */
export const renderLines = (lines: SourceLine[]): string =>
  lines.map((l) => `${l.enabled ? '' : '# '}${l.source}${l.comment ? ` # ${l.comment}` : ''}\n`).join('');

/** The file name Ansible derives from a repository line (_suggest_filename), or `filename` + ".list". */
export function suggestFilename(line: string, filename?: string): string {
  let s = line.replace(/\[[^\]]+\]/g, '').replace(/[\p{L}\p{N}_]+:\/\//gu, '');
  const parts = pySplit(s).filter((p) => !VALID_SOURCE_TYPES.includes(p));
  if (!parts.length) throw new Error(`repo ${JSON.stringify(line)} names no URI after its type (Ansible fails on it with an IndexError)`);
  s = parts[0].includes('@') ? parts[0].split('@').slice(1).join('@') : parts[0];
  return `${filename ?? s.replace(/[^a-zA-Z0-9]/g, ' ').split(' ').filter(Boolean).join('_')}.list`;
}

/** The source files as Ansible holds them: path -> lines, in the order loaded (sources.list first). */
export type SourcesList = Map<string, SourceLine[]>;

/** SourcesList.dump: each file with at least one line, as it would be written. */
export function dump(files: SourcesList): Map<string, string> {
  return new Map([...files].filter(([, lines]) => lines.length).map(([p, lines]) => [p, renderLines(lines)]));
}

/**
 * add_source: every line holding the same source (in any file) enabled; if there is none, the source appended to
 * `file` (a name in `partsDir`). Returns the files that got a new line (Ansible's new_repos: where `mode` applies).
 */
export function addSource(files: SourcesList, repo: string, file: string, partsDir: string): Set<string> {
  const { source } = parseLine(repo, true);
  let found = false;
  for (const lines of files.values()) {
    for (const l of lines) {
      if (l.valid && l.source === source) {
        lines[l.n] = { ...lines[l.n], enabled: true };
        found = true;
      }
    }
  }
  if (found) return new Set();
  const path = `${partsDir.replace(/\/+$/, '')}/${file}`;
  const lines = files.get(path) ?? [];
  files.set(path, lines);
  lines.push({ n: lines.length, valid: true, enabled: true, source, comment: '' });
  return new Set([path]);
}

/**
 * remove_source: enabled lines holding the source dropped, as Ansible's loop drops them: pop(n) by the line's
 * number read when the file was loaded, while iterating over the list it shortens (so of two such lines in one
 * file, Ansible may drop another line or skip one; that is reproduced, not fixed).
 */
export function removeSource(files: SourcesList, repo: string): void {
  const { source } = parseLine(repo, true);
  for (const [path, lines] of files) {
    for (let i = 0; i < lines.length;) {
      const l = lines[i++];
      if (!(l.valid && l.source === source && l.enabled)) continue;
      if (l.n >= lines.length) throw new Error(`${path}: Ansible's apt_repository fails here (pop index out of range): remove the duplicate lines of this source first`);
      lines.splice(l.n, 1);
    }
  }
}
