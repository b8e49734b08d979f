// Whether an archive is already unpacked in dest, read as Ansible's unarchive module reads it from what the host
// printed (probe-py.ts): for tar, the lines of `tar --diff` that count (a Uid or Gid only when running as root and
// not given, a Mode only when mode is not given, a mod time, a missing file, an invalid owner or group); for zip,
// each `zipinfo -T -s` line against the file in dest (kind, mtime or keep_newer, size, CRC32, permissions, owner).

/** What is at a path in dest: kind (d, f, l, o), permission bits, size, mtime, owner. */
export type DiskEntry = { t: 'd' | 'f' | 'l' | 'o'; mode: number; size: number; mtime: number; uid: number; gid: number; owner: string | null; group: string | null; crc?: number };

export type RunInfo = { uid: number; gid: number; owner: string | number; group: string | number; umask: number; groups: number[]; absent: boolean;
  /** The owner, uid, group and gid files are to have (the task's, or the user's when not given), resolved on the host. */
  fut: [string, number, string, number] };

/** What probe-py.ts prints. */
export type RawProbe = { error: string } | {
  error?: undefined; handler: string; cmd: string; flag?: string; rc: number; out: string; err?: string; crcs?: Record<string, number>;
  ztime?: Record<string, number>; files: string[]; disk: Record<string, DiskEntry | null>; run: RunInfo;
};

export type CompareArgs = { owner?: string; group?: string; mode?: string | number; keep_newer?: boolean; exclude?: string[] };

export type ArchiveVerdict = { unarchived: boolean; reasons: string[]; error?: string;
  /** zip with keep_newer: members newer in dest, left out of the extraction as Ansible leaves them. */
  newer: string[];
  /** zip: Ansible's --diff, one rsync-like itemized line a member that differs ('>f++++++.?? a.txt', '.f.cst....?? b.txt'). */
  itemized?: string[] };

const lines = (s: string) => s.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1);

/** Ansible's TgzArchive.is_unarchived over `tar --diff`'s output and errors. */
export function tarVerdict(p: Extract<RawProbe, { handler: string }>, a: CompareArgs): ArchiveVerdict {
  const reasons: string[] = [];
  const root = p.run.uid === 0;
  for (const line of [...lines(p.out), ...lines(p.err ?? '')]) {
    if (/: : Warning: Cannot stat: No such file or directory$/.test(line)) continue;
    if ((root && !a.owner && /: Uid differs$/.test(line)) || (root && !a.group && /: Gid differs$/.test(line)) || (a.mode === undefined && /: Mode differs$/.test(line))
      || /: Mod time differs$/.test(line) || /: Warning: Cannot stat: No such file or directory$/.test(line) || /: Invalid owner/.test(line) || /: Invalid group/.test(line)) {
      reasons.push(line);
    }
  }
  return { unarchived: reasons.length === 0, reasons, newer: [] };
}

/** Python's str.split(None, max). */
function pySplit(s: string, max: number): string[] {
  const out: string[] = [];
  let rest = s.replace(/^\s+/, '');
  while (rest && out.length < max) {
    const m = /\s+/.exec(rest);
    if (!m) break;
    out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
  }
  if (rest) out.push(rest);
  return out;
}

/** "rw-r--r--" -> 0644, less the umask (Ansible's _permstr_to_octal: s and t count as x). */
function permstrToOctal(perm: string, umask: number): number {
  let mode = 0;
  [...perm].reverse().forEach((c, i) => { if ('rwxst'.includes(c)) mode += 2 ** i; });
  return mode & ~umask;
}

/** Ansible's ZipArchive.is_unarchived over `zipinfo -T -s`, the archive's CRCs and what is in dest. */
export function zipVerdict(p: Extract<RawProbe, { handler: string }>, a: CompareArgs, mode: number | ((st: DiskEntry) => number) | undefined): ArchiveVerdict {
  let unarchived = p.rc === 0;
  const reasons: string[] = [];
  const newer: string[] = [];
  const excludes = a.exclude ?? [];
  const itemized: string[] = [];
  const [futOwner, futUid, futGroup, futGid] = p.run.fut;
  for (const line of lines(p.out)) {
    const pcs = pySplit(line, 7);
    if (pcs.length !== 8 || (pcs[0].length !== 7 && pcs[0].length !== 10) || pcs[6].length !== 15) continue;
    if (!'dl-?'.includes(pcs[0][0]) || ![...pcs[0].slice(1)].every((c) => 'rwxstah-'.includes(c))) continue;
    const ztype = pcs[0][0];
    let perm = pcs[0].slice(1);
    const size = Number(pcs[3]);
    const path = pcs[7];
    if (excludes.includes(path)) continue;
    const ftype = path.endsWith('/') ? 'd' : ztype === 'l' ? 'L' : 'f';
    let fileUmask = 0;
    if (perm.length === 6) {
      perm = path.endsWith('/') || perm === 'rwx---' ? 'rwxrwxrwx' : 'rw-rw-rw-';
      fileUmask = p.run.umask;
    }
    if (perm.length !== 9 || !/^([r-][w-][SsTtx-]){3}/.test(perm)) return { unarchived: false, reasons, newer, error: `ZIP info perm format incorrect, ${perm}` };
    const st = p.disk[path];
    // Ansible's itemized line: '.', the type, seven places for what differs (c s t p o/g at 2..6), '??'.
    const item = ['.', ftype, '.', '.', '.', '.', '.', '.', '.', '?', '?'];
    const differs = (why: string, flag?: [number, string]) => {
      reasons.push(`${path}: ${why}`);
      if (flag) item[flag[0]] = flag[1];
    };
    const whole = (why: string, mark: string) => { differs(why); itemized.push(`${mark}${ftype}++++++.?? ${path}`); };
    if (!st) { whole('missing', '>'); continue; }
    if (ftype === 'd' && st.t !== 'd') { whole('not a directory', 'c'); continue; }
    if (ftype === 'f' && st.t !== 'f') { whole('not a regular file', 'c'); unarchived = false; continue; }
    if (ftype === 'L' && st.t !== 'l') { whole('not a symlink', 'c'); continue; }
    const before = reasons.length;
    const stamp = p.ztime?.[path];
    if (st.t === 'f') {
      if (a.keep_newer) {
        if (stamp !== undefined && stamp > st.mtime) differs('older, replaced', [4, 't']);
        else if (stamp !== undefined && stamp < st.mtime) { newer.push(path); continue; }
      } else if (stamp !== st.mtime) differs('mtime', [4, 't']);
      if (size !== st.size) differs('size', [3, 's']);
      if (p.crcs?.[path] !== st.crc) differs('CRC32', [2, 'c']);
    }
    if (ftype !== 'L') {
      // The mode given (a symbolic one applied to the path's own, as Ansible does), else the archive's.
      const want = (typeof mode === 'function' ? mode(st) : mode) ?? permstrToOctal(perm, ztype === '?' ? 0 : fileUmask);
      if (want !== st.mode) differs(`permissions (${want.toString(8)} vs ${st.mode.toString(8)})`, [5, 'p']);
    }
    if (p.run.uid !== 0 && (futOwner !== p.run.owner || futUid !== p.run.uid)) {
      return { unarchived: false, reasons, newer, error: `Cannot change ownership of ${path} to ${futOwner}, as user ${p.run.owner}` };
    }
    if (st.owner ? st.owner !== futOwner : st.uid !== futUid) differs('owner', [6, 'o']);
    if (p.run.uid !== 0 && (futGroup !== p.run.group || futGid !== p.run.gid) && !p.run.groups.includes(futGid)) {
      return { unarchived: false, reasons, newer, error: `Cannot change group ownership of ${path} to ${futGroup}, as user ${p.run.owner}` };
    }
    if (st.group ? st.group !== futGroup : st.gid !== futGid) differs('group', [6, 'g']);
    if (reasons.length > before) itemized.push(`${item.join('')} ${path}`);
  }
  if (reasons.length) unarchived = false;
  return { unarchived, reasons, newer, itemized };
}
