// debconf: one answer of a package's configuration questions set (debconf-set-selections), compared with what
// debconf-show says as Ansible's debconf compares it: booleans in any case, everything else as text (so a password,
// which debconf-show never shows, is set on every run, as Ansible notes).
import { type FactDef, defineModule } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';
import { pyStr } from '../engine/vars/python.ts';

export type DebconfArgs = { name: string; question?: string; vtype?: string; value?: unknown; unseen?: boolean };

type Selections = { failed?: string; answers: Record<string, string> };

/** debconf-show NAME, parsed as Ansible parses it: "* question: value" (the star: seen). */
export function debconfFact(name: string): FactDef<Selections> {
  return {
    key: `debconf:${name}`,
    script: `out=$(debconf-show ${shq(name)} 2>&1); rc=$?; printf '%s\\n' "$out"; exit $rc`,
    parse(out, code) {
      if (code !== 0) return { failed: out.trim() || `debconf-show exited ${code}`, answers: {} };
      const answers: Record<string, string> = {};
      for (const line of out.split('\n').filter((l) => l.includes(':'))) {
        const at = line.indexOf(':');
        answers[line.slice(0, at).replace(/^[\s*]+|[\s*]+$/g, '').trim()] = line.slice(at + 1).trim();
      }
      return { answers };
    },
  };
}

const VTYPES = ['boolean', 'error', 'multiselect', 'note', 'password', 'seen', 'select', 'string', 'text', 'title'];

export default defineModule<DebconfArgs>({
  name: 'debconf',
  fqcn: ['ansible.builtin.debconf', 'ansible.legacy.debconf'],
  aliases: { pkg: 'name', selection: 'question', setting: 'question', answer: 'value' },
  description: 'Set one answer of a package\'s debconf questions (debconf-set-selections), as Ansible\'s debconf compares and sets it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9+.-]*$', description: 'a Debian package name' },
      question: { type: 'string', pattern: '^[^\\s]+$', description: 'a question name without spaces, like tzdata/Areas' },
      vtype: { enum: VTYPES },
      value: { anyOf: [{ type: 'string', pattern: '^[^\\n]*$' }, { type: 'number' }, { type: 'boolean' }], description: 'one line of text (a number or boolean is its text)' },
      unseen: { type: 'boolean', default: false },
    },
    // Ansible's required_together: question, vtype and value come together.
    dependencies: { question: ['vtype', 'value'], vtype: ['question', 'value'], value: ['question', 'vtype'] },
  },
  facts: (a) => [debconfFact(a.name)],
  plan(a, facts) {
    const prev = facts.get(debconfFact(a.name));
    if (prev.failed) throw new Error(`debconf-show ${a.name}: ${prev.failed}`);
    if (a.question === undefined) return [];
    // Ansible's value is a str: a YAML boolean or number is its Python text (True, 5).
    let value = pyStr(a.value);
    let changed = !(a.question in prev.answers);
    if (!changed) {
      let existing = prev.answers[a.question];
      if (a.vtype === 'boolean') {
        value = value.toLowerCase();
        existing = existing.toLowerCase();
      }
      changed = value !== existing;
    }
    if (!changed) return [];
    // What Ansible's diff shows: the value as compared (True for a new boolean question, before it is written true).
    const shown = value;
    if (a.vtype === 'boolean') value = value === 'True' ? 'true' : value === 'False' ? 'false' : value;
    const secret = a.vtype === 'password';
    // --diff as Ansible's: the question's answer before ('' when it had none) and after, each as JSON (its callback
    // serializes the before/after mappings with indent 4); a password's is hidden (the change is sensitive).
    const question = a.question;
    const asJson = (answer: string) => `${JSON.stringify({ [question]: answer }, null, 4)}\n`;
    return [{
      summary: `set ${a.name} ${a.question} (${a.vtype}) to ${secret ? '(a password)' : JSON.stringify(value)}`,
      diff: { path: `debconf ${a.name}`, before: asJson(prev.answers[a.question] ?? ''), after: asJson(shown) },
      steps: [{ exec: ['debconf-set-selections', ...(a.unseen ? ['-u'] : [])], stdin: `${a.name} ${a.question} ${a.vtype} ${value}\n` }],
      // debconf-show shows a password as "(password omitted)", whatever it is.
      effects: [{ key: debconfFact(a.name).key, value: { answers: { ...prev.answers, [a.question]: secret ? '(password omitted)' : value } } }],
      ...(secret ? { sensitive: true } : {}),
    }];
  },
  // debconf-show never shows a password: planning again cannot confirm one was set. Nor an answer with blanks at
  // either end: the value read is stripped, as Ansible's get_selections strips it, so it is set on every run (as by Ansible).
  verifiable: (a) => a.vtype !== 'password' && (a.value === undefined || pyStr(a.value) === pyStr(a.value).trim()),
});
