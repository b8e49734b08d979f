// cron: a job (under its `#Ansible: NAME` comment) or an environment line in a user's crontab or in a file of
// /etc/cron.d, present or absent, as Ansible's cron edits it (modules/cron/table.ts). A user's table is read with
// `crontab -l` and installed with `crontab -` (its text on stdin), `-u USER` when USER is not the task's user, as
// Ansible does; a cron file is written through copy's planFileContent, and deleted when its last job is removed.
import { fileContentFact, fileFact } from '../../facts/files.ts';
import { type Change, type FactDef, type Step, defineModule } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';
import { fileContentFacts, planFileContent } from '../copy/content.ts';
import { type CronEditArgs, cronEdit } from './table.ts';

export type CronArgs = CronEditArgs & { backup?: boolean };

/** Whether the crontab program is there (Ansible's cron needs it, also for a cron file). */
export function crontabProgramFact(): FactDef<boolean> {
  return {
    key: 'program:crontab',
    dependsOn: [fileFact('/usr/bin/crontab').key],
    script: 'command -v crontab',
    parse: (out, code) => code === 0 && out.trim() !== '',
  };
}

export type Crontab = { installed: boolean; me?: string; rc?: number; text?: string };

/** What `crontab -l` prints for `user` (the task's user when undefined), read as Ansible reads it, and who reads it. */
export function crontabFact(user: string | undefined): FactDef<Crontab> {
  const u = user === undefined ? "''" : shq(user);
  return {
    key: `crontab:${user ?? ''}`,
    // Installed by a package, and for a user a simulated useradd made unknown: not known either.
    dependsOn: [fileFact('/usr/bin/crontab').key, ...(user === undefined ? [] : [`user:${user}`])],
    script: [
      'command -v crontab >/dev/null 2>&1 || { echo missing; exit 0; }; me=$(id -un); echo "$me";',
      // The x keeps the table's last line breaks through $( ).
      `if [ -n ${u} ] && [ "$me" != ${u} ]; then out=$(crontab -u ${u} -l 2>/dev/null; r=$?; echo x; exit $r);`,
      'else out=$(crontab -l 2>/dev/null; r=$?; echo x; exit $r); fi; echo $?; printf %s "${out%x}" | base64 -w0',
    ].join(' '),
    parse(out) {
      const [me, rc, b64 = ''] = out.split('\n');
      if (me === 'missing') return { installed: false };
      return { installed: true, me, rc: Number(rc), text: Buffer.from(b64.trim(), 'base64').toString('utf8') };
    },
  };
}

const NOT_INSTALLED = 'Failed to find required executable "crontab" (the cron package provides it)';
const oneLine = (what: string) => ({ type: 'string', pattern: '^[^\\r\\n]*$', description: `${what}, on one line` });
const cronFilePath = (f: string) => (f.startsWith('/') ? f : `/etc/cron.d/${f}`);

/** Ansible writes its backup with tempfile.mkstemp(prefix='crontab'): /tmp/crontabXXXXXXXX, mode 0600. */
const backupStep = (text: string): Step => ({ exec: ['sh', '-c', 'umask 077 && f=$(mktemp /tmp/crontabXXXXXXXX) && cat > "$f" && echo "$f"'], stdin: text });

export default defineModule<CronArgs>({
  name: 'cron',
  fqcn: ['ansible.builtin.cron', 'ansible.legacy.cron'],
  aliases: { value: 'job', dom: 'day', dow: 'weekday' },
  description: 'A cron job (marked by an "#Ansible: NAME" comment) or an environment variable in a user\'s crontab or a file of /etc/cron.d, present or absent, as Ansible edits it.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: oneLine('the job\'s name (its #Ansible: comment), or the variable\'s with env'),
      user: { type: 'string', pattern: '^[^\\s:]+$', description: 'a user name: whose crontab (the task\'s user\'s when left out); with cron_file, the user field of the line' },
      // A line break inside a job is refused: Ansible only warns, and writes a table it then reads as other lines.
      job: { type: 'string', pattern: '^[\\r\\n]*[^\\r\\n]*[\\r\\n]*$', description: 'the command (or, with env, the variable\'s value) on one line' },
      cron_file: { type: 'string', minLength: 1, pattern: '^[^\\r\\n]*$', description: 'a file name in /etc/cron.d, or an absolute path' },
      state: { enum: ['present', 'absent'], default: 'present' },
      backup: { type: 'boolean', default: false },
      minute: { ...oneLine('minute'), default: '*' },
      hour: { ...oneLine('hour'), default: '*' },
      day: { ...oneLine('day of the month'), default: '*' },
      month: { ...oneLine('month'), default: '*' },
      weekday: { ...oneLine('day of the week'), default: '*' },
      special_time: { enum: ['reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly'] },
      disabled: { type: 'boolean', default: false },
      env: { type: 'boolean', default: false },
      insertafter: oneLine('the name of the variable to insert after'),
      insertbefore: oneLine('the name of the variable to insert before'),
    },
    if: { required: ['insertafter'] },
    then: { properties: { insertbefore: { type: 'null', description: 'left out when insertafter is given (insertafter and insertbefore are mutually exclusive)' } } },
  },
  facts: (a, ctx) => (a.cron_file ? [crontabProgramFact(), ...fileContentFacts(cronFilePath(a.cron_file), { eager: true })] : [crontabFact(a.user ?? ctx.runAs)]),
  plan(a, facts, ctx) {
    if (a.cron_file) {
      const path = cronFilePath(a.cron_file);
      if (path === '/etc/crontab') throw new Error('Will not manage /etc/crontab via cron_file, see documentation.');
      if (!facts.get(crontabProgramFact())) throw new Error(NOT_INSTALLED);
      const now = facts.get(fileFact(path));
      if (now.state === 'directory') throw new Error(`cron_file ${path} is a directory`);
      const cur = facts.get(fileContentFact(path));
      if (cur.note) throw new Error(`cron_file ${path} cannot be edited as text: ${cur.note}`);
      const edit = cronEdit(cur.exists ? cur.text ?? '' : '', false, a);
      if (!edit.changed) return [];
      const backup = a.backup ? [backupStep(edit.before)] : [];
      if (edit.removeFile) {
        return [{
          summary: `remove ${path} (its last job, ${a.name}, removed)`,
          diff: { path, before: edit.existing, after: null },
          steps: [...backup, { exec: ['rm', '-f', '--', path] }],
          effects: [{ key: fileFact(path).key, value: { state: 'absent' } }, { key: fileContentFact(path).key, value: { exists: false } }],
        }];
      }
      const writes = planFileContent(path, edit.after, {}, facts, `${a.env ? 'variable' : 'job'} ${a.name} ${a.state === 'absent' ? 'removed' : 'set'}`);
      return writes.map((w, i) => (i === 0 ? { ...w, steps: [...backup, ...w.steps] } : w));
    }
    const tab = facts.get(crontabFact(a.user ?? ctx.runAs));
    if (!tab.installed) throw new Error(NOT_INSTALLED);
    if (tab.rc !== 0 && tab.rc !== 1) throw new Error('Unable to read crontab');
    const edit = cronEdit(tab.text ?? '', true, a);
    if (!edit.changed) return [];
    const asOther = a.user !== undefined && a.user !== tab.me;
    const whose = a.user !== undefined ? `crontab for user "${a.user}"` : 'crontab';
    const change: Change = {
      summary: `${whose}: ${a.env ? 'variable' : 'job'} ${a.name} ${a.state === 'absent' ? 'removed' : 'set'}`,
      diff: { path: whose, before: edit.existing, after: edit.after },
      steps: [
        ...(a.backup ? [backupStep(edit.before)] : []),
        { exec: asOther ? ['crontab', '-u', a.user!, '-'] : ['crontab', '-'], stdin: edit.after },
      ],
      effects: [{ key: crontabFact(a.user ?? ctx.runAs).key, value: { ...tab, rc: 0, text: edit.after } }],
    };
    return [change];
  },
});
