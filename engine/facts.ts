// Facts shared by modules: each a POSIX sh snippet and a parser. The engine batches many into one exec.
import type { FactDef } from './module.ts';
import { shq } from './shell.ts';

export type FileState = {
  state: 'absent' | 'file' | 'directory' | 'link' | 'other';
  /** Four octal digits, as strings always: "0644". */
  mode?: string;
  owner?: string;
  group?: string;
  size?: number;
  sha256?: string;
  /** A link's target. */
  target?: string;
};

/** What is at `path` (links are not followed). */
export function fileFact(path: string): FactDef<FileState> {
  const p = shq(path);
  return {
    key: `file:${path}`,
    script: [
      `if [ -L ${p} ]; then t=link; elif [ -d ${p} ]; then t=directory; elif [ -f ${p} ]; then t=file;`,
      `elif [ -e ${p} ]; then t=other; else echo absent; exit 0; fi;`,
      `echo "$t $(stat -c '%a %U %G %s' ${p})";`,
      `if [ "$t" = file ]; then sha256sum ${p} | cut -d' ' -f1; elif [ "$t" = link ]; then readlink ${p}; fi`,
    ].join(' '),
    parse(out) {
      const [head, extra = ''] = out.split('\n');
      const [state, mode, owner, group, size] = head.trim().split(' ');
      if (state === 'absent') return { state: 'absent' };
      const f: FileState = { state: state as FileState['state'], mode: mode.padStart(4, '0'), owner, group, size: Number(size) };
      if (state === 'file') f.sha256 = extra.trim();
      if (state === 'link') f.target = extra;
      return f;
    },
  };
}

export type FileContent = { exists: boolean; text?: string; note?: string };
export const MAX_CONTENT_BYTES = 256 * 1024;

/** The text of a regular file (for diffs and line edits): absent, text, or a note (binary, too large). */
export function fileContentFact(path: string, o: { lazy?: boolean; maxBytes?: number } = {}): FactDef<FileContent> {
  const p = shq(path);
  const maxBytes = o.maxBytes ?? MAX_CONTENT_BYTES;
  return {
    key: `content:${path}`,
    lazy: o.lazy,
    script: `if [ ! -f ${p} ]; then echo absent; elif [ $(stat -L -c %s ${p}) -gt ${maxBytes} ]; then echo large; else echo text; base64 -w0 ${p}; fi`,
    parse(out) {
      const [kind, b64 = ''] = out.split('\n');
      if (kind === 'absent') return { exists: false };
      if (kind === 'large') return { exists: true, note: `larger than ${maxBytes / 1024} KiB: not shown` };
      const buf = Buffer.from(b64.trim(), 'base64');
      const text = buf.toString('utf8');
      if (buf.includes(0) || Buffer.from(text, 'utf8').compare(buf) !== 0) return { exists: true, note: 'binary content: not shown' };
      return { exists: true, text };
    },
  };
}

/** The line the apt facts' scripts print first: the host's native architecture ("native\tamd64"). */
const NATIVE_ARCH = `printf 'native\\t%s\\n' "$(dpkg --print-architecture 2>/dev/null)";`;
const nativeOf = (out: string) => /^native\t(\S*)$/m.exec(out)?.[1] || undefined;

/**
 * Installed Debian packages: name -> version (status "install ok installed" only). A package of the native
 * architecture (or of "all") is listed by its name and as name:NATIVE; one of a foreign architecture only as
 * name:ARCH (libc6:i386), so that "libc6" means the native one, as it does to apt.
 */
export function debPackagesFact(): FactDef<Record<string, string>> {
  return {
    key: 'debs',
    script: `${NATIVE_ARCH} dpkg-query -W -f '\${db:Status-Abbrev}\\t\${Package}\\t\${Version}\\t\${Architecture}\\n' 2>/dev/null || true`,
    parse(out) {
      const native = nativeOf(out);
      const pkgs: Record<string, string> = {};
      for (const line of out.split('\n')) {
        const [status, name, version, arch] = line.split('\t');
        if (!status?.startsWith('ii') || !name) continue;
        if (!arch || !native || arch === 'all' || arch === native) {
          pkgs[name] = version;
          if (native) pkgs[`${name}:${native}`] = version;
        } else {
          pkgs[`${name}:${arch}`] = version;
        }
      }
      return pkgs;
    },
  };
}

/**
 * apt's candidate version of each package (undefined: apt knows no such package). A name may carry an
 * architecture (libc6:i386); apt-cache heads the block of one of the native architecture with the bare name.
 */
export function aptCandidatesFact(names: string[], o: { lazy?: boolean } = {}): FactDef<Record<string, string | undefined>> {
  const sorted = [...new Set(names)].sort();
  return {
    key: `apt-candidates:${sorted.join(',')}`,
    lazy: o.lazy,
    script: `${NATIVE_ARCH} LC_ALL=C apt-cache policy ${sorted.map(shq).join(' ')} 2>/dev/null || true`,
    parse(out) {
      const native = nativeOf(out);
      const byHead: Record<string, string> = {};
      let current: string | undefined;
      for (const line of out.split('\n')) {
        const head = /^(\S+):$/.exec(line);
        if (head) current = head[1];
        const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
        if (current && cand && cand[1] !== '(none)') byHead[current] = cand[1];
      }
      return Object.fromEntries(sorted.map((n) => {
        const [base, arch] = n.split(':');
        return [n, byHead[n] ?? (arch !== undefined && arch === native ? byHead[base] : undefined)];
      }));
    },
  };
}

/** Seconds since apt's package lists were last updated (a large number when never). */
export function aptListsAgeFact(): FactDef<number> {
  return {
    key: 'apt-lists-age',
    script: `now=$(date +%s); t=$(stat -c %Y /var/lib/apt/lists/*_Packages 2>/dev/null | sort -n | tail -1); echo $((now - \${t:-0}))`,
    parse: (out) => Number(out.trim()),
  };
}

export type ServiceState = {
  init: 'systemd' | 'sysv';
  exists: boolean;
  active: boolean;
  enabled: boolean;
};

/** A service's state under systemd, or under init scripts on hosts without systemd. */
export function serviceFact(name: string): FactDef<ServiceState> {
  const n = shq(name);
  return {
    key: `service:${name}`,
    script: [
      `if [ -d /run/systemd/system ]; then echo systemd;`,
      `systemctl show ${n} -p LoadState -p ActiveState -p UnitFileState 2>/dev/null;`,
      `else echo sysv; if [ -x /etc/init.d/${n} ]; then echo LoadState=loaded;`,
      `if service ${n} status >/dev/null 2>&1; then echo ActiveState=active; else echo ActiveState=inactive; fi;`,
      `if ls /etc/rc2.d/S*${n} >/dev/null 2>&1; then echo UnitFileState=enabled; else echo UnitFileState=disabled; fi;`,
      `else echo LoadState=not-found; fi; fi`,
    ].join(' '),
    parse(out) {
      const lines = out.trim().split('\n');
      const kv = Object.fromEntries(lines.slice(1).map((l) => l.split('=') as [string, string]));
      return {
        init: lines[0] === 'sysv' ? 'sysv' : 'systemd',
        exists: kv.LoadState === 'loaded',
        active: kv.ActiveState === 'active' || kv.ActiveState === 'reloading',
        enabled: ['enabled', 'enabled-runtime', 'static', 'alias', 'generated'].includes(kv.UnitFileState ?? ''),
      };
    },
  };
}

export type UserState =
  | { exists: false }
  | { exists: true; uid: number; gid: number; home: string; shell: string; groups: string[]; authorizedKeys?: string };

/** A user's passwd entry, supplementary groups and authorized_keys text. */
export function userFact(name: string): FactDef<UserState> {
  const n = shq(name);
  return {
    key: `user:${name}`,
    script: [
      `e=$(getent passwd ${n}) || { echo absent; exit 0; }; echo "$e";`,
      `id -Gn ${n} | tr ' ' ','; h=$(echo "$e" | cut -d: -f6);`,
      `if [ -f "$h/.ssh/authorized_keys" ]; then echo keys; cat "$h/.ssh/authorized_keys"; fi`,
    ].join(' '),
    parse(out) {
      const lines = out.split('\n');
      if (lines[0] === 'absent') return { exists: false };
      const [, , uid, gid, , home, shell] = lines[0].split(':');
      const u: UserState = { exists: true, uid: Number(uid), gid: Number(gid), home, shell, groups: (lines[1] ?? '').split(',').filter(Boolean) };
      if (lines[2] === 'keys') u.authorizedKeys = lines.slice(3).join('\n');
      return u;
    },
  };
}

export type GroupState = { exists: false } | { exists: true; gid: number; members: string[] };

export function groupFact(name: string): FactDef<GroupState> {
  return {
    key: `group:${name}`,
    script: `getent group ${shq(name)} || echo absent`,
    parse(out) {
      const line = out.trim();
      if (line === 'absent' || !line) return { exists: false };
      const [, , gid, members = ''] = line.split(':');
      return { exists: true, gid: Number(gid), members: members.split(',').filter(Boolean) };
    },
  };
}
