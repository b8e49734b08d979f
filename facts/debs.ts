// Debian package facts shared by modules: installed packages, apt's candidates, the age of the package lists.
import type { FactDef } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

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
export function aptCandidatesFact(names: string[], o: { lazy?: boolean; release?: string } = {}): FactDef<Record<string, string | undefined>> {
  const sorted = [...new Set(names)].sort();
  // With a default release (apt-get -t), apt-cache picks candidates as apt-get will.
  const release = o.release ? ` -o APT::Default-Release=${shq(o.release)}` : '';
  return {
    key: `apt-candidates:${o.release ? `${o.release}:` : ''}${sorted.join(',')}`,
    lazy: o.lazy,
    script: `${NATIVE_ARCH} LC_ALL=C apt-cache${release} policy ${sorted.map(shq).join(' ')} 2>/dev/null || true`,
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
