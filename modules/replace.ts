// replace: every match of a Python regexp in a file replaced (re.subn with MULTILINE, as Ansible's replace), in
// the whole file or in the part after `after` and/or before `before` (DOTALL, the first such part). Written
// through copy's planFileContent: the same diff, atomic write, validate, backup and effects.
import { fileContentFact, fileFact } from '../facts/files.ts';
import { defineModule } from '../engine/module.ts';
import { pyRegExp, pyReplacement } from '../engine/vars/regex.ts';
import { type FileContentAttrs, fileContentFacts, fileContentProperties, planFileContent } from './copy/content.ts';

export type ReplaceArgs = FileContentAttrs & { path: string; regexp: string; replace?: string; after?: string; before?: string; encoding?: 'utf-8' };

function compiled(what: string, build: () => RegExp): RegExp {
  try {
    return build();
  } catch (err) {
    throw new Error(`${what} is not a regular expression provision can read: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

/** The file's text after the replacements, and how many were made, as Ansible's replace computes them. */
export function replaceEdit(contents: string, a: ReplaceArgs): { text: string; count: number } {
  let pattern = '';
  if (a.after && a.before) pattern = `${a.after}(?P<subsection>.*?)${a.before}`;
  else if (a.after) pattern = `${a.after}(?P<subsection>.*)`;
  else if (a.before) pattern = `(?P<subsection>.*)${a.before}`;
  let section = contents;
  let start = 0;
  let end = contents.length;
  if (pattern) {
    const re = compiled('after/before', () => pyRegExp(pattern, { dotall: true }));
    const m = new RegExp(re.source, `${re.flags}d`).exec(contents);
    if (!m) return { text: contents, count: 0 };
    [start, end] = m.indices!.groups!.subsection!;
    section = contents.slice(start, end);
  }
  const re = compiled(`regexp ${JSON.stringify(a.regexp)}`, () => pyRegExp(a.regexp, { multiline: true, global: true }));
  const count = [...section.matchAll(re)].length;
  const replaced = section.replace(re, pyReplacement(a.replace ?? ''));
  if (!count || replaced === section) return { text: contents, count: 0 };
  return { text: contents.slice(0, start) + replaced + contents.slice(end), count };
}

export default defineModule<ReplaceArgs>({
  name: 'replace',
  fqcn: ['ansible.builtin.replace', 'ansible.legacy.replace'],
  aliases: { dest: 'path', destfile: 'path', name: 'path' },
  description: 'Replace every match of a (Python) regular expression in a file, or in the part of it after/before other expressions, as Ansible does.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'regexp'],
    properties: {
      path: { type: 'string', minLength: 1, pattern: '^/', description: 'an absolute path' },
      regexp: { type: 'string', minLength: 1 },
      replace: { type: 'string', default: '' },
      after: { type: 'string', minLength: 1 },
      before: { type: 'string', minLength: 1 },
      encoding: { enum: ['utf-8'], description: 'utf-8 (other encodings are not supported yet)' },
      ...fileContentProperties,
    },
  },
  facts: (a) => fileContentFacts(a.path, { ...a, eager: true }),
  plan(a, facts) {
    const now = facts.get(fileFact(a.path));
    if (now.state === 'directory') throw new Error(`${a.path} is a directory, not a text file`);
    const cur = facts.get(fileContentFact(a.path));
    if (!cur.exists) throw new Error(`${a.path} does not exist`);
    if (cur.note) throw new Error(`${a.path} cannot be edited as text: ${cur.note}`);
    const before = cur.text ?? '';
    const { text, count } = replaceEdit(before, a);
    if (!count && (now.state === 'link' || (!a.owner && !a.group && a.mode === undefined))) return [];
    return planFileContent(a.path, text, a, facts, count ? `${count} replacement${count === 1 ? '' : 's'}` : undefined);
  },
  // A replacement may match its regexp again ('port = 8\1' on "port = 80"): Ansible then replaces on every run,
  // and so does provision; planning again after the write cannot tell that from a module that failed to converge.
  verifiable: () => false,
});
