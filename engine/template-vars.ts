// The variables Ansible's template action adds for a template file (generate_ansible_template_vars): ansible_managed
// (its default string, "Ansible managed"), template_host, template_path, template_fullpath, template_uid,
// template_destpath. template_mtime and template_run_date (Python datetimes) are not given: a template that reads
// them is refused by validate as using an undefined variable.
import { readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

export const TEMPLATE_VARS = ['ansible_managed', 'template_host', 'template_path', 'template_fullpath', 'template_uid', 'template_destpath'];

const owners = new Map<number, string>();

/** The owner's name of a file on this machine (its uid when /etc/passwd does not name it), as Ansible's pwd lookup; read once per uid. */
function ownerName(uid: number): string {
  let name = owners.get(uid);
  if (name === undefined) owners.set(uid, name = lookUpOwner(uid));
  return name;
}

function lookUpOwner(uid: number): string {
  if (uid === userInfo().uid) return userInfo().username;
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0];
  } catch {
    /* no passwd: the number */
  }
  return String(uid);
}

/** A template's own variables: `path` as the task names it, `fullpath` the file found, `dest` where it is written. */
export function templateVars(path: string, fullpath: string, dest: string | undefined): Record<string, unknown> {
  return {
    ansible_managed: 'Ansible managed',
    template_host: hostname(),
    template_path: path,
    template_fullpath: fullpath,
    template_uid: ownerName(statSync(fullpath).uid),
    template_destpath: dest ?? null,
  };
}
