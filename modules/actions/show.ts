// How a value is shown in a message of debug, assert and fail: text as it is, anything else as JSON (one line
// for a scalar, indented for a list or mapping), as Ansible's default callback prints a result.
export function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'VARIABLE IS NOT DEFINED!';
  return typeof v === 'object' && v !== null ? JSON.stringify(v, null, 4) : JSON.stringify(v);
}
