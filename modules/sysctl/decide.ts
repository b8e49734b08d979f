// sysctl's decision: ansible.posix's SysctlModule (process, _parse_value, _values_is_equal, read_sysctl_file,
// fix_lines, write_sysctl) as a pure function of the file's text, what `sysctl -e -n NAME` said, and the task's
// arguments. The value is compared as Ansible compares it: with the file's value as text (after yes/no/true/false
// become 1/0 and the ends are stripped), with the kernel's split at whitespace (so tabs and runs of spaces are
// equal). A file rewritten is every line stripped, each `key = value` made `key=value`, a key seen twice kept once.

export type SysctlArgs = {
  name: string;
  value?: string | number | boolean;
  state?: 'present' | 'absent';
  reload?: boolean;
  sysctl_set?: boolean;
  ignoreerrors?: boolean;
  sysctl_file?: string;
};

export type SysctlDecision = {
  /** What Ansible reports. */
  changed: boolean;
  /** sysctl -w NAME=VALUE; the file written; sysctl -p FILE. */
  setProc: boolean;
  writeFile: boolean;
  reload: boolean;
  /** The name and value as Ansible uses them, and the file's text as write_sysctl would write it. */
  name: string;
  value: string;
  text: string;
  /** Every key of the written file with its value (what sysctl -p sets). */
  fileValues: Map<string, string>;
};

/** Python's str.strip() and str.split() whitespace. */
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
export const pyStrip = (s: string): string => s.replace(new RegExp(`^[${WS}]+|[${WS}]+$`, 'g'), '');
export const pySplit = (s: string): string[] => s.split(new RegExp(`[${WS}]+`)).filter(Boolean);

const TRUE = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE = ['n', 'no', 'off', '0', 'false', 'f'];

/** _parse_value, after Ansible made the value a str (a YAML true is "True"). */
export function parseValue(value: SysctlArgs['value']): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  const s = String(value);
  if (TRUE.includes(s.toLowerCase())) return '1';
  if (FALSE.includes(s.toLowerCase())) return '0';
  return pyStrip(s);
}

/** _values_is_equal: the same words in the same order. */
export function valuesEqual(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const [x, y] = [pySplit(a), pySplit(b)];
  return x.length === y.length && x.every((w, i) => w === y[i]);
}

/**
 * What Ansible's sysctl does: `text` the file's content ('' when it is not a file), `proc` what `sysctl -e -n NAME`
 * printed (null when it failed). Throws Ansible's refusals.
 */
export function sysctlDecide(text: string, proc: string | null, a: SysctlArgs): SysctlDecision {
  const state = a.state ?? 'present';
  if (a.name === '') throw new Error('name cannot be blank');
  if (state === 'present' && (a.value === undefined || a.value === null)) throw new Error('value cannot be None');
  if (state === 'present' && a.value === '') throw new Error('value cannot be blank');
  const name = pyStrip(a.name);
  const value = parseValue(a.value);
  // readlines() in text mode: universal newlines, a line ends at \n.
  const lines = (text.replace(/\r\n?/g, '\n').match(/[^\n]*\n|[^\n]+$/g) ?? []).map(pyStrip);
  const values = new Map<string, string>();
  const isSetting = (l: string) => !(!pyStrip(l) || /^[#;]/.test(pyStrip(l)) || !l.includes('='));
  const split = (l: string): [string, string] => {
    const t = pyStrip(l);
    const at = t.indexOf('=');
    return [pyStrip(t.slice(0, at)), pyStrip(t.slice(at + 1))];
  };
  for (const l of lines) if (isSetting(l)) values.set(...split(l));
  const fixed: string[] = [];
  const checked = new Set<string>();
  const fileValues = new Map<string, string>();
  for (const l of lines) {
    if (!isSetting(l)) {
      fixed.push(l);
      continue;
    }
    const [k, v] = split(l);
    if (checked.has(k)) continue;
    checked.add(k);
    if (k !== name) {
      fixed.push(`${k}=${v}`);
      fileValues.set(k, v);
    } else if (state === 'present') {
      fixed.push(`${k}=${value}`);
      fileValues.set(k, value);
    }
  }
  if (!checked.has(name) && state === 'present') {
    fixed.push(`${name}=${value}`);
    fileValues.set(name, value);
  }
  const fileValue = values.get(name) ?? null;
  let changed = false;
  let writeFile = false;
  let setProc = false;
  if (fileValue === null && state === 'present') {
    changed = writeFile = true;
  } else if (fileValue === null) {
    // absent, and not in the file
  } else if (fileValue && state === 'absent') {
    changed = writeFile = true;
  } else if (fileValue !== value) {
    changed = writeFile = true;
  } else if (a.reload !== false) {
    if (proc === null || !valuesEqual(proc, value)) changed = true;
  }
  if (a.sysctl_set && state === 'present') {
    if (proc === null) changed = true;
    else if (!valuesEqual(proc, value)) changed = setProc = true;
  }
  return {
    changed, setProc, writeFile, reload: changed && a.reload !== false, name, value, fileValues,
    text: fixed.map((l) => `${pyStrip(l)}\n`).join(''),
  };
}
