// modification_time and access_time as Python's time.strptime reads them with modification_time_format (default
// "%Y%m%d%H%M.%S"): the local date and time they name, as "YYYY-MM-DD HH:MM:SS" for the host's `date -d` to make
// an epoch in its own time zone (time.mktime). The directives a time is written with are read; others are refused.
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const FIELDS: Record<string, { re: string; set: (v: string, t: Parts) => void }> = {
  Y: { re: '(\\d{4})', set: (v, t) => { t.year = Number(v); } },
  y: { re: '(\\d{1,2})', set: (v, t) => { t.year = Number(v) + (Number(v) < 69 ? 2000 : 1900); } },
  m: { re: '(\\d{1,2})', set: (v, t) => { t.month = Number(v); } },
  d: { re: '(\\d{1,2})', set: (v, t) => { t.day = Number(v); } },
  H: { re: '(\\d{1,2})', set: (v, t) => { t.hour = Number(v); } },
  M: { re: '(\\d{1,2})', set: (v, t) => { t.minute = Number(v); } },
  S: { re: '(\\d{1,2})', set: (v, t) => { t.second = Number(v); } },
  b: { re: '([A-Za-z]{3})', set: (v, t) => { t.month = MONTHS.indexOf(v.toLowerCase()) + 1; } },
};
type Parts = { year: number; month: number; day: number; hour: number; minute: number; second: number };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local time `value` names in `format`, or throws Ansible's message. */
export function localTime(value: string, format: string): string {
  const setters: Array<(v: string, t: Parts) => void> = [];
  let re = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      re += /\s/.test(c) ? '\\s+' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const d = format[++i];
    if (d === '%') re += '%';
    else if (FIELDS[d]) {
      re += FIELDS[d].re;
      setters.push(FIELDS[d].set);
    } else throw new Error(`modification_time_format: the directive %${d} is not supported (use %Y %y %m %d %b %H %M %S)`);
  }
  const m = new RegExp(`^${re}$`).exec(value);
  const t: Parts = { year: 1900, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  if (m) setters.forEach((set, i) => set(m[i + 1], t));
  const bad = !m || t.month < 1 || t.month > 12 || t.day < 1 || t.day > new Date(Date.UTC(t.year, t.month, 0)).getUTCDate() || t.hour > 23 || t.minute > 59 || t.second > 61;
  if (bad) throw new Error(`Error while obtaining timestamp for time ${value} using format ${format}: time data '${value}' does not match format '${format}'`);
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}
