// blockinfile: a block of lines between two marker lines present (inserted, or replacing the block between the
// markers) or absent, edited exactly as Ansible's blockinfile edits the file (its algorithm, quirks included: a
// missing newline before the insertion point is added, even when nothing is inserted; create makes the directories
// above it). Written through copy's planFileContent: the same diff, atomic write, validate, backup and effects.
import { fileContentFact, fileFact } from '../facts/files.ts';
import { defineModule } from '../engine/module.ts';
import { type FileContentAttrs, fileContentFacts, fileContentProperties, planFileContent } from './copy/content.ts';
import { compileRegexp } from './lineinfile.ts';

export type BlockInFileArgs = FileContentAttrs & {
  path: string;
  block?: string;
  state?: 'present' | 'absent';
  marker?: string;
  marker_begin?: string;
  marker_end?: string;
  insertafter?: string;
  insertbefore?: string;
  create?: boolean;
};

/** Python's bytes.splitlines(True): lines with their terminators (\n, \r\n, or a lone \r). */
function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** An insertafter/insertbefore regexp; `(?m)` in front makes it search the whole file, as Python's re.MULTILINE. */
function anchorOf(name: string, source: string): { re: RegExp; multiline: boolean } {
  const m = /^\(\?([aiLmsux]+)\)/.exec(source);
  const flags = m?.[1] ?? '';
  const unsupported = flags.replace(/[ims]/g, '');
  if (unsupported) throw new Error(`${name} ${JSON.stringify(source)}: the inline flag${unsupported.length > 1 ? 's' : ''} (?${unsupported}) ${unsupported.length > 1 ? 'are' : 'is'} not supported yet`);
  const re = compileRegexp(name, m ? source.slice(m[0].length) : source);
  return { re: new RegExp(re.source, flags.replace('x', '')), multiline: flags.includes('m') };
}

/** The file's text after the edit, as Ansible's blockinfile computes it; `original` undefined: the file is not there. */
export function blockEdit(original: string | undefined, a: BlockInFileArgs): string {
  const lines = original === undefined ? [] : splitLines(original);
  const marker = a.marker ?? '# {mark} ANSIBLE MANAGED BLOCK';
  const marker0 = `${marker.replaceAll('{mark}', a.marker_begin ?? 'BEGIN')}\n`;
  const marker1 = `${marker.replaceAll('{mark}', a.marker_end ?? 'END')}\n`;
  let block = a.block ?? '';
  let blocklines: string[] = [];
  if ((a.state ?? 'present') === 'present' && block) {
    if (!block.endsWith('\n')) block += '\n';
    blocklines = [marker0, ...splitLines(block), marker1];
  }
  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((line, i) => {
    if (line === marker0) n0 = i;
    if (line === marker1) n1 = i;
  });
  const after = a.insertafter ?? (a.insertbefore === undefined ? 'EOF' : undefined);
  const anchorSource = after !== undefined && after !== 'EOF' ? after : a.insertbefore !== undefined && a.insertbefore !== 'BOF' ? a.insertbefore : undefined;
  if (n0 === undefined || n1 === undefined) {
    n0 = undefined;
    if (anchorSource !== undefined) {
      const { re, multiline } = anchorOf(after !== undefined ? 'insertafter' : 'insertbefore', anchorSource);
      if (multiline) {
        const text = original ?? '';
        const m = re.exec(text);
        if (m) n0 = (text.slice(0, after !== undefined ? m.index + m[0].length : m.index).match(/\n/g) ?? []).length;
      } else {
        // Python searches each line with its terminator, where $ also matches just before a last \n: both here.
        lines.forEach((line, i) => { if (re.test(line) || re.test(line.replace(/\n$/, ''))) n0 = i; });
      }
      if (n0 === undefined) n0 = lines.length;
      else if (after !== undefined) n0 += 1;
    } else if (a.insertbefore !== undefined) {
      n0 = 0; // BOF
    } else {
      n0 = lines.length; // EOF
    }
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  if (n0 > 0 && !lines[n0 - 1].endsWith('\n')) lines[n0 - 1] += '\n';
  lines.splice(n0, 0, ...blocklines);
  return lines.join('');
}

export default defineModule<BlockInFileArgs>({
  name: 'blockinfile',
  fqcn: ['ansible.builtin.blockinfile', 'ansible.legacy.blockinfile'],
  aliases: { dest: 'path', destfile: 'path', name: 'path', content: 'block' },
  description: 'A block of lines between marker lines present (inserted at insertafter/insertbefore, or replacing the marked block) or absent, as Ansible edits it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, pattern: '^/', description: 'an absolute path' },
      block: { type: 'string', default: '' },
      state: { enum: ['present', 'absent'], default: 'present' },
      marker: { type: 'string', pattern: '^[^\\r\\n]*$', description: 'one line with {mark} where BEGIN or END goes' },
      marker_begin: { type: 'string', pattern: '^[^\\r\\n\\\\]*$', description: 'one line of text (no backslash)' },
      marker_end: { type: 'string', pattern: '^[^\\r\\n\\\\]*$', description: 'one line of text (no backslash)' },
      insertafter: { type: 'string', minLength: 1, description: 'a regular expression, or EOF' },
      insertbefore: { type: 'string', minLength: 1, description: 'a regular expression, or BOF' },
      create: { type: 'boolean', default: false },
      ...fileContentProperties,
    },
    if: { required: ['insertbefore'] },
    then: { properties: { insertafter: { type: 'null', description: 'left out when insertbefore is given (insertafter and insertbefore: give one of them)' } } },
  },
  facts: (a) => fileContentFacts(a.path, { ...a, eager: true, parents: a.create }),
  plan(a, facts) {
    const now = facts.get(fileFact(a.path));
    if (now.state === 'directory') throw new Error(`${a.path} is a directory, not a text file`);
    const cur = facts.get(fileContentFact(a.path));
    if (!cur.exists) {
      // As Ansible: a missing file fails without create, whatever the state (absent too).
      if (!a.create) throw new Error(`${a.path} does not exist (create: true would create it)`);
      if (a.state === 'absent') return [];
    }
    if (cur.note) throw new Error(`${a.path} cannot be edited as text: ${cur.note}`);
    const before = cur.exists ? cur.text ?? '' : undefined;
    const after = blockEdit(before, a);
    if (after === before && (now.state === 'link' || (!a.owner && !a.group && a.mode === undefined))) return [];
    const had = before !== undefined && before.includes(`${(a.marker ?? '# {mark} ANSIBLE MANAGED BLOCK').replaceAll('{mark}', a.marker_begin ?? 'BEGIN')}\n`);
    const detail = after === before ? undefined : (a.state === 'absent' || !a.block) ? 'remove the block' : had ? 'replace the block' : 'insert the block';
    return planFileContent(a.path, after, a, facts, before === undefined ? undefined : detail, { makeParents: a.create });
  },
});
