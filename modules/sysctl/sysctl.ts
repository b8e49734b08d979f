// sysctl (ansible.posix): a kernel parameter in a sysctl file (default /etc/sysctl.conf), present with a value or
// absent; with sysctl_set the running value set (sysctl -w) when it differs, with reload (the default) the file
// applied (sysctl -p FILE) when anything changed, as Ansible's sysctl decides it (./decide.ts). sysctl runs with
// LANG=C, and a run whose output says a key could not be set fails, as Ansible checks its stderr.
import { fileContentFact, fileFact } from '../../facts/files.ts';
import { type Change, type Effect, type FactDef, type Step, defineModule } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { fileContentFacts, planFileContent } from '../copy/content.ts';
import { type SysctlArgs, pyStrip, sysctlDecide } from './decide.ts';

export type KernelValue = { installed: boolean; rc?: number; out?: string };

/** What `sysctl -e -n NAME` prints (with its exit code), as Ansible reads the running value. */
export function sysctlFact(name: string): FactDef<KernelValue> {
  return {
    key: `sysctl:${name}`,
    dependsOn: [fileFact('/usr/sbin/sysctl').key],
    script: [
      'PATH="$PATH:/usr/sbin:/sbin"; command -v sysctl >/dev/null 2>&1 || { echo missing; exit 0; };',
      `out=$(LANG=C LC_ALL=C LC_MESSAGES=C sysctl -e -n ${shq(name)} 2>/dev/null; r=$?; echo x; exit $r); echo $?; printf %s "\${out%x}" | base64 -w0`,
    ].join(' '),
    parse(out) {
      const [rc, b64 = ''] = out.split('\n');
      if (rc === 'missing') return { installed: false };
      return { installed: true, rc: Number(rc), out: Buffer.from(b64.trim(), 'base64').toString('utf8') };
    },
  };
}

/** sysctl ARGS with Ansible's LANG=C, failing as Ansible fails it: on its exit code, or on a key it could not set. */
const SYSCTL = [
  'PATH="$PATH:/usr/sbin:/sbin"; out=$(LANG=C LC_ALL=C LC_MESSAGES=C sysctl "$@" 2>&1); rc=$?; [ -z "$out" ] || printf "%s\\n" "$out";',
  '[ $rc -eq 0 ] || exit $rc; ! printf "%s\\n" "$out" | grep -Eq \'^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$\'',
].join(' ');
const sysctlStep = (args: string[]): Step => ({ exec: ['sh', '-c', SYSCTL, 'sysctl', ...args] });

const fileOf = (a: SysctlArgs) => a.sysctl_file ?? '/etc/sysctl.conf';

export default defineModule<SysctlArgs>({
  name: 'sysctl',
  fqcn: ['ansible.posix.sysctl'],
  aliases: { key: 'name', val: 'value' },
  description: 'A kernel parameter in a sysctl file, present with a value or absent; optionally set in the running kernel (sysctl_set) and the file applied (reload), as ansible.posix.sysctl decides it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^\\s*[^\\s=]*\\s*$', description: 'a parameter name like net.ipv4.ip_forward (no space or = inside)' },
      value: { anyOf: [{ type: 'string', pattern: '^[^\\r\\n]*$' }, { type: 'number' }, { type: 'boolean' }], description: 'one line (yes/no/true/false are written 1/0)' },
      state: { enum: ['present', 'absent'], default: 'present' },
      reload: { type: 'boolean', default: true },
      sysctl_set: { type: 'boolean', default: false },
      ignoreerrors: { type: 'boolean', default: false },
      sysctl_file: { type: 'string', pattern: '^/[^\\r\\n]*$', default: '/etc/sysctl.conf', description: 'an absolute path (~ and $VARS are not expanded)' },
    },
    // Ansible's required_if: state present needs a value.
    if: { properties: { state: { const: 'absent' } }, required: ['state'] },
    else: { required: ['value'] },
  },
  facts: (a) => [sysctlFact(pyStrip(a.name)), ...fileContentFacts(fileOf(a), { eager: true })],
  plan(a, facts) {
    const file = fileOf(a);
    const kernel = facts.get(sysctlFact(pyStrip(a.name)));
    if (!kernel.installed) throw new Error('Failed to find required executable "sysctl" (the procps package provides it)');
    const now = facts.get(fileFact(file));
    if (now.state === 'directory' || now.state === 'other') throw new Error(`sysctl_file ${file} is not a regular file`);
    const cur = facts.get(fileContentFact(file));
    if (cur.note) throw new Error(`sysctl_file ${file} cannot be read as text: ${cur.note}`);
    const d = sysctlDecide(cur.exists ? cur.text ?? '' : '', kernel.rc === 0 ? kernel.out ?? '' : null, a);
    if (!d.changed) return [];
    const e = a.ignoreerrors ? ['-e'] : [];
    const running = (name: string, value: string): Effect => ({ key: sysctlFact(name).key, value: { installed: true, rc: 0, out: `${value}\n` } });
    const changes: Change[] = [];
    if (d.setProc) changes.push({ summary: `set ${d.name} to ${JSON.stringify(d.value)} in the running kernel (sysctl -w)`, steps: [sysctlStep([...e, '-w', `${d.name}=${d.value}`])], effects: [running(d.name, d.value)] });
    if (d.writeFile) changes.push(...planFileContent(file, d.text, {}, facts, a.state === 'absent' ? `${d.name} removed` : `${d.name}=${d.value}`));
    if (d.reload) {
      // sysctl -p sets every key of the file (those it does not know too, but with -e: then what they read is not known).
      const effects: Effect[] = [...d.fileValues].map(([k, v]) => (a.ignoreerrors && k !== d.name ? { key: sysctlFact(k).key, unknown: true as const } : running(k, v)));
      changes.push({ summary: `apply ${file} (sysctl -p)`, steps: [sysctlStep([...e, '-p', file])], effects });
    }
    // Ansible reports a change it makes no step for when the running value cannot be read (sysctl -e -n failed).
    if (!changes.length) changes.push({ summary: `${d.name}: the running value cannot be read (sysctl -e -n failed): reported changed, as Ansible does`, steps: [], effects: [] });
    return changes;
  },
  // What the kernel reads back may not be what was written (and Ansible then changes again every run).
  verifiable: (a) => a.reload === false && !a.sysctl_set,
});
