// The view's upper layer, read after each task: what the task would create, modify or delete on the host.
// LIST (python3, run in the view's mount namespace outside its root) prints one JSON line per entry of the upper
// layer: its kind (f file, d directory, l link, w whiteout: deleted; o opaque directory: replaced whole), a
// signature that changes when it does, and how it compares with the host's own file (absent, same, differs).
// diffSnapshots turns two listings into the task's changes.

export type Entry = { p: string; k: 'f' | 'd' | 'l' | 'w' | 'o' | 'x'; sig: string; lower: 'absent' | 'same' | 'differs' };
export type FileChange = { path: string; change: 'create' | 'modify' | 'delete' };

export const LIST = String.raw`import json, os, stat, sys
upper, lower = sys.argv[1], sys.argv[2]
def same_file(a, b):
    with open(a, 'rb') as x, open(b, 'rb') as y:
        while True:
            p, q = x.read(65536), y.read(65536)
            if p != q: return False
            if not p: return True
for d, dirs, files in os.walk(upper):
    dirs.sort()
    for name in sorted(dirs + files):
        p = os.path.join(d, name)
        rel = '/' + os.path.relpath(p, upper)
        lp = os.path.join(lower, rel.lstrip('/'))
        st = os.lstat(p)
        meta = '%o:%d:%d' % (st.st_mode, st.st_uid, st.st_gid)
        try:
            lst = os.lstat(lp)
        except OSError:
            lst = None
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
            k, sig, low = 'w', 'w', 'absent' if lst is None else 'differs'
        elif stat.S_ISDIR(st.st_mode):
            try:
                opaque = os.getxattr(p, 'trusted.overlay.opaque', follow_symlinks=False) == b'y'
            except OSError:
                opaque = False
            k, sig = ('o' if opaque else 'd'), meta
            low = 'absent' if lst is None else ('same' if not opaque and stat.S_ISDIR(lst.st_mode) and meta == '%o:%d:%d' % (lst.st_mode, lst.st_uid, lst.st_gid) else 'differs')
        elif stat.S_ISLNK(st.st_mode):
            k, sig = 'l', meta + ':' + os.readlink(p)
            low = 'absent' if lst is None else ('same' if stat.S_ISLNK(lst.st_mode) and os.readlink(lp) == os.readlink(p) and meta == '%o:%d:%d' % (lst.st_mode, lst.st_uid, lst.st_gid) else 'differs')
        elif stat.S_ISREG(st.st_mode):
            k, sig = 'f', '%s:%d:%d' % (meta, st.st_size, st.st_mtime_ns)
            low = 'absent' if lst is None else ('same' if stat.S_ISREG(lst.st_mode) and lst.st_size == st.st_size and meta == '%o:%d:%d' % (lst.st_mode, lst.st_uid, lst.st_gid) and same_file(p, lp) else 'differs')
        else:
            k, sig, low = 'x', meta, 'absent' if lst is None else 'differs'
        print(json.dumps({'p': rel, 'k': k, 'sig': sig, 'lower': low}))
`;

export const parseListing = (out: string): Map<string, Entry> =>
  new Map(out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Entry).map((e) => [e.p, e]));

/**
 * What a task did, from the listings before and after it: a path new or changed in the upper layer is created (the
 * host has none, or the view deleted it before), modified, or deleted (a whiteout, or a file made in the view then
 * removed); an entry only copied up and equal to the host's (a lock file opened for writing) is no change; a
 * directory that only holds changed entries is not one either.
 */
export function diffSnapshots(before: Map<string, Entry>, after: Map<string, Entry>): FileChange[] {
  const out: FileChange[] = [];
  for (const [p, e] of after) {
    const b = before.get(p);
    if (b && b.sig === e.sig && b.k === e.k) continue;
    if (e.k === 'w') {
      out.push({ path: p, change: 'delete' });
      continue;
    }
    if (e.lower === 'same' && !b) continue;
    const existed = b ? b.k !== 'w' : e.lower !== 'absent';
    out.push({ path: p, change: existed ? 'modify' : 'create' });
  }
  for (const [p, b] of before) if (!after.has(p) && b.k !== 'w') out.push({ path: p, change: 'delete' });
  return out.sort((x, y) => (x.path < y.path ? -1 : 1));
}
