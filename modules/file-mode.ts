// A file mode in every form Ansible takes: an integer (0644 in YAML 1.1 is octal; 644 is decimal, as Ansible
// reads it), an octal string ("0644", "644", "0o644"), or chmod's symbolic form ("u=rw,g=r,o=r", "u+x", "a-w,+X"),
// applied to the mode the path has as Ansible's AnsibleModule._symbolic_mode_to_octal applies it. `preserve`
// (copy, template: the source's mode) is resolved by those modules before a mode gets here.
import type { FactDef } from '../engine/module.ts';

/** One symbolic clause: who (empty, a, or any of ugo), then operators each with perms (any of rwxXst) or one of ugo. */
const CLAUSE = '(a|[ugo]*)([-+=][rwxXstugo]*)*';

export const modeSchema = {
  anyOf: [
    { type: 'string', pattern: '^(0o|0)?[0-7]{1,4}$' },
    { type: 'string', pattern: `^${CLAUSE}(,${CLAUSE})*$`, minLength: 1 },
    { type: 'integer', minimum: 0, maximum: 0o7777 },
  ],
  description: 'an octal mode like "0644" (quoted) or 0644 (unquoted, which YAML 1.1 reads as octal), or symbolic like "u=rw,g=r,o=r"',
} as const;

/** copy's and template's mode: also `preserve`, the source file's mode. */
export const sourceModeSchema = {
  anyOf: [...modeSchema.anyOf, { const: 'preserve' }],
  description: `${modeSchema.description}, or preserve (the source file's mode)`,
} as const;

/** True when the mode is in chmod's symbolic form. */
export const isSymbolic = (mode: string | number | undefined): mode is string =>
  typeof mode === 'string' && mode !== 'preserve' && !/^(0o|0)?[0-7]{1,4}$/.test(mode);

/** A symbolic mode with a clause naming no one ("+x"): it obeys the umask, so the plan needs it. */
export const needsUmask = (mode: string | number | undefined): boolean =>
  isSymbolic(mode) && mode.split(',').some((c) => /^[-+=]/.test(c));

/** The umask the task's commands run with (under sudo too): four octal digits. */
export const umaskFact: FactDef<number> = {
  key: 'umask',
  script: 'umask',
  parse: (out) => Number.parseInt(out.trim(), 8),
  readOnly: true,
};

/** An octal mode (integer or string) as four octal digits: "644" / "0644" / "0o644" / 420 -> "0644". */
export function octal(mode: string | number): string {
  const n = typeof mode === 'number' ? mode : Number.parseInt(mode.replace(/^0o/, ''), 8);
  return n.toString(8).padStart(4, '0');
}

const U = 0o4700, G = 0o2070, O = 0o1007;

/** Ansible's bits of one permission letter for one of u, g, o, given the mode the path has now. */
function bits(who: string, perm: string, prev: number, isDir: boolean, umask: number | undefined): number {
  const shift = who === 'u' ? 6 : who === 'g' ? 3 : 0;
  const rev = umask === undefined ? 0o7777 : umask ^ 0o7777;
  const rwx = (b: number) => rev & (b << shift);
  switch (perm) {
    case 'r': return rwx(4);
    case 'w': return rwx(2);
    case 'x': return rwx(1);
    case 'X': return isDir || (prev & 0o111) > 0 ? 1 << shift : 0;
    case 's': return who === 'u' ? 0o4000 : who === 'g' ? 0o2000 : 0;
    case 't': return who === 'o' ? 0o1000 : 0;
    default: {
      // u, g, o: that class's current rwx bits, moved to this class.
      const from = perm === 'u' ? 6 : perm === 'g' ? 3 : 0;
      return ((prev >> from) & 7) << shift;
    }
  }
}

/**
 * The mode a path ends with: an octal mode as it is, a symbolic one applied clause by clause to `now` (the mode
 * the path has, or will have when it is made), with `umask` for clauses naming no one. Throws on a bad symbol.
 */
export function resolveMode(mode: string | number, now: { mode?: string; directory: boolean }, umask?: number): string {
  if (!isSymbolic(mode)) return octal(mode);
  const start = Number.parseInt(now.mode ?? '0', 8);
  let current = start;
  for (const clause of mode.split(',')) {
    const [users, ...perms] = clause.split(/[-+=]/);
    const opers = clause.match(/[-+=]/g) ?? [];
    const everyone = users === '' || users === 'a';
    if (users === '' && opers.length && umask === undefined) throw new Error(`mode "${mode}": a clause naming no one needs the umask`);
    if (!everyone && /[^ugo]/.test(users)) throw new Error(`bad symbolic permission for mode: ${clause}`);
    perms.forEach((p, i) => {
      if (/[^rwxXstugo]/.test(p)) throw new Error(`bad symbolic permission for mode: ${clause}`);
      for (const who of everyone ? 'ugo' : users) {
        // Each letter is read against the mode as it was before this clause's class was changed (Ansible's prev_mode is the path's).
        const apply = [...p].reduce((m, c) => m | bits(who, c, start, now.directory, users === '' ? umask : undefined), 0);
        const mask = who === 'u' ? U : who === 'g' ? G : O;
        current = opers[i] === '=' ? (current & (mask ^ 0o7777)) | apply : opers[i] === '+' ? current | apply : current & ~apply;
      }
    });
  }
  return current.toString(8).padStart(4, '0');
}

/**
 * resolveMode in Python, for a step that applies a symbolic mode on the host to paths whose modes only the host
 * knows (unarchive's, after unpacking): `python3 -c SYMBOLIC_CHMOD_PY MODE UMASK PATH...` chmods each path that is
 * not a symlink to the mode the symbols give from its own. test/unit/file-mode.test.ts compares it with Ansible's.
 */
export const SYMBOLIC_CHMOD_PY = `import os, re, stat, sys
def bits(who, perm, prev, isdir, umask):
    shift = {'u': 6, 'g': 3, 'o': 0}[who]
    rev = 0o7777 if umask is None else umask ^ 0o7777
    if perm in 'rwx':
        return rev & ({'r': 4, 'w': 2, 'x': 1}[perm] << shift)
    if perm == 'X':
        return (1 << shift) if (isdir or prev & 0o111) else 0
    if perm == 's':
        return {'u': 0o4000, 'g': 0o2000, 'o': 0}[who]
    if perm == 't':
        return 0o1000 if who == 'o' else 0
    return ((prev >> {'u': 6, 'g': 3, 'o': 0}[perm]) & 7) << shift
def resolve(sym, prev, isdir, umask):
    cur = prev
    for clause in sym.split(','):
        ops = re.findall('[-+=]', clause)
        parts = re.split('[-+=]', clause)
        users = parts[0]
        if users not in ('', 'a') and re.search('[^ugo]', users):
            raise ValueError('bad symbolic permission for mode: ' + clause)
        for i, p in enumerate(parts[1:]):
            if re.search('[^rwxXstugo]', p):
                raise ValueError('bad symbolic permission for mode: ' + clause)
            for who in ('ugo' if users in ('', 'a') else users):
                apply = 0
                for c in p:
                    apply |= bits(who, c, prev, isdir, umask if users == '' else None)
                mask = {'u': 0o4700, 'g': 0o2070, 'o': 0o1007}[who]
                cur = (cur & (mask ^ 0o7777)) | apply if ops[i] == '=' else (cur | apply if ops[i] == '+' else cur & ~apply)
    return cur
if __name__ == '__main__':
    mode, umask = sys.argv[1], int(sys.argv[2], 8)
    for p in sys.argv[3:]:
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            continue
        new = resolve(mode, stat.S_IMODE(st.st_mode), stat.S_ISDIR(st.st_mode), umask)
        if new != stat.S_IMODE(st.st_mode):
            os.chmod(p, new)
`;
