// lineinfile: one line of a text file present (added, or replacing the last line a regexp matches) or absent.
// The edited text is written through copy's planFileContent: same diff, atomic write and effects.
import { fileContentFact, fileFact } from '../facts/files.ts';
import { defineModule } from '../engine/module.ts';
import { type FileContentAttrs, fileContentFacts, fileContentProperties, planFileContent } from './copy/content.ts';

export type LineInFileArgs = FileContentAttrs & {
  path: string;
  line?: string;
  regexp?: string;
  state?: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
  create?: boolean;
};

/** A user's regexp (Python's named-group spelling accepted), or a clear error. */
export function compileRegexp(name: string, source: string): RegExp {
  try {
    return new RegExp(source.replaceAll('(?P<', '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>'));
  } catch (err) {
    throw new Error(`${name} ${JSON.stringify(source)} is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

/** Lines with their terminators ("a\n", "b\r\n", and a last "c" without one). */
function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

const bare = (l: string) => l.replace(/\r?\n$/, '');
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Ansible's present: replace the last line matching regexp (or equal to line), else insert it. */
function present(lines: string[], a: LineInFileArgs): string | undefined {
  const line = a.line!;
  let found = -1;
  if (a.regexp !== undefined) {
    const re = compileRegexp('regexp', a.regexp);
    lines.forEach((l, i) => { if (re.test(bare(l))) found = i; });
  }
  const anchorSrc = a.insertbefore !== undefined ? a.insertbefore : a.insertafter;
  const anchor = anchorSrc !== undefined && !['BOF', 'EOF'].includes(anchorSrc) ? compileRegexp(a.insertbefore !== undefined ? 'insertbefore' : 'insertafter', anchorSrc) : undefined;
  let at = -1;
  if (found === -1) {
    // No regexp match: the line itself may be there already; otherwise look for the insertion anchor.
    lines.forEach((l, i) => {
      if (bare(l) === line) found = i;
      else if (anchor?.test(bare(l))) at = a.insertbefore !== undefined ? i : i + 1;
    });
  }
  if (found !== -1) {
    const wanted = line + (lines[found].endsWith('\r\n') ? '\r\n' : '\n');
    if (lines[found] === wanted) return undefined;
    lines[found] = wanted;
    return `replace line ${found + 1}`;
  }
  if (a.insertbefore === 'BOF' || a.insertafter === 'BOF') at = 0;
  else if (a.insertafter === undefined && a.insertbefore === undefined) at = lines.length;
  else if (a.insertafter === 'EOF' || at === -1) at = lines.length;
  if (at === lines.length && at > 0 && !lines[at - 1].endsWith('\n')) lines[at - 1] += '\n';
  lines.splice(at, 0, `${line}\n`);
  return `add line ${at + 1}`;
}

/** Ansible's absent: remove every line matching regexp (or equal to line). */
function absent(lines: string[], a: LineInFileArgs): string | undefined {
  const re = a.regexp !== undefined ? compileRegexp('regexp', a.regexp) : undefined;
  const keep = lines.filter((l) => !(re ? re.test(bare(l)) : bare(l) === a.line));
  const removed = lines.length - keep.length;
  lines.splice(0, lines.length, ...keep);
  return removed ? `remove ${plural(removed, 'line')}` : undefined;
}

export default defineModule<LineInFileArgs>({
  name: 'lineinfile',
  fqcn: ['ansible.builtin.lineinfile', 'ansible.legacy.lineinfile'],
  aliases: { dest: 'path', destfile: 'path', name: 'path', regex: 'regexp', value: 'line' },
  description: 'Ensure one line of a text file is present (added at insertafter/insertbefore, or replacing the last line regexp matches) or absent (every line regexp matches, or equal to line), as Ansible does.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'an absolute path' },
      line: { type: 'string', pattern: '^[^\\r\\n]*$', description: 'one line of text, without a newline' },
      regexp: { type: 'string', minLength: 1, description: 'a regular expression (an empty one would match every line)' },
      state: { enum: ['present', 'absent'], default: 'present' },
      insertafter: { type: 'string', minLength: 1, description: 'a regular expression, or EOF' },
      insertbefore: { type: 'string', minLength: 1, description: 'a regular expression, or BOF' },
      create: { type: 'boolean', default: false },
      ...fileContentProperties,
    },
    allOf: [
      {
        if: { required: ['insertbefore'] },
        then: { properties: { insertafter: { type: 'null', description: 'left out when insertbefore is given (use one of them)' } } },
      },
      {
        if: { required: ['state'], properties: { state: { const: 'absent' } } },
        // state: absent takes regexp or line (a missing one is reported as "line").
        then: { if: { required: ['regexp'] }, else: { required: ['line'] } },
        else: { required: ['line'] },
      },
    ],
  },
  facts: (a) => fileContentFacts(a.path, { ...a, eager: true, parents: a.create }),
  plan(a, facts) {
    const now = facts.get(fileFact(a.path));
    if (now.state === 'directory') throw new Error(`${a.path} is a directory, not a text file`);
    const cur = facts.get(fileContentFact(a.path));
    const state = a.state ?? 'present';
    if (!cur.exists) {
      if (state === 'absent') return [];
      if (!a.create) throw new Error(`${a.path} does not exist (create: true would create it)`);
    }
    if (cur.note) throw new Error(`${a.path} cannot be edited line by line: ${cur.note}`);
    const before = cur.text ?? '';
    const lines = splitLines(before);
    const detail = state === 'present' ? present(lines, a) : absent(lines, a);
    const after = lines.join('');
    // A symlink whose target already holds the line: nothing to write, nothing to refuse.
    if (now.state === 'link' && after === before && !a.owner && !a.group && a.mode === undefined) return [];
    // create: the directories above it are made too, as Ansible's os.makedirs makes them.
    return planFileContent(a.path, after, a, facts, cur.exists ? detail : undefined, { makeParents: a.create });
  },
});
