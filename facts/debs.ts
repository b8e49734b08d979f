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

/**
 * When apt's lists were last updated, as Ansible's apt reads it to say whether an update changed anything: the
 * mtime (whole seconds) of /var/lib/apt/periodic/update-success-stamp if there is one, else of /var/lib/apt/lists.
 */
export function aptListsStampFact(): FactDef<number> {
  return {
    key: 'apt-lists-stamp',
    script: 'f=/var/lib/apt/periodic/update-success-stamp; [ -e $f ] || f=/var/lib/apt/lists; stat -c %Y $f 2>/dev/null || echo 0',
    parse: (out) => Number(out.trim()),
  };
}

/** What apt-get would do (apt-get -s): each package installed or upgraded with its new version, each one removed. */
export type AptSimulation = { failed?: string; installs: Record<string, string>; removes: string[]; aptitude: boolean };

/**
 * `apt-get -s` of an upgrade or autoremove (`argv`: its words after apt-get, constant or quoted here): what it would
 * install ("Inst NAME [OLD] (NEW ...)") and remove ("Remv NAME [OLD]"), and whether aptitude is on the host
 * (Ansible's upgrade: yes/safe/full use it when it is). A simulation changes nothing.
 */
export function aptSimulationFact(argv: string[]): FactDef<AptSimulation> {
  return {
    key: `apt-simulate:${argv.join(' ')}`,
    script: `if command -v aptitude >/dev/null 2>&1; then echo aptitude; fi; out=$(LC_ALL=C apt-get -s -q -y ${argv.map(shq).join(' ')} 2>&1); rc=$?; printf '%s\\n' "$out"; exit $rc`,
    parse(out, code) {
      const installs: Record<string, string> = {};
      const removes: string[] = [];
      for (const line of out.split('\n')) {
        const inst = /^Inst (\S+)(?: \[[^\]]*\])? \((\S+)/.exec(line);
        if (inst) installs[inst[1]] = inst[2];
        const remv = /^(?:Remv|Purg) (\S+)/.exec(line);
        if (remv) removes.push(remv[1]);
      }
      const aptitude = out.split('\n')[0] === 'aptitude';
      if (code !== 0) return { failed: out.split('\n').filter((l) => /^E:/.test(l)).join(' ') || out.trim().split('\n').at(-1) || `apt-get exited ${code}`, installs, removes, aptitude };
      return { installs, removes, aptitude };
    },
  };
}

/**
 * Of the named packages, those apt marked as installed automatically (Ansible marks them manual). Read from apt's
 * extended_states file, not `apt-mark showauto`, which loads apt's whole cache (about a second).
 */
export function aptAutoFact(names: string[]): FactDef<string[]> {
  const sorted = [...new Set(names)].sort();
  return {
    key: `apt-auto:${sorted.join(',')}`,
    script: `${NATIVE_ARCH} awk '/^Package:/ {p = $2} /^Architecture:/ {a = $2} /^Auto-Installed: 1/ {print p ":" a}' /var/lib/apt/extended_states 2>/dev/null || true`,
    parse(out) {
      const native = nativeOf(out);
      const auto = new Set(out.split('\n').filter((l) => l && !l.startsWith('native\t')).flatMap((l) => {
        const [name, arch] = l.split(':');
        return arch === native ? [name, l] : [l];
      }));
      return sorted.filter((n) => auto.has(n));
    },
  };
}

/** Of the named packages, those removed but whose configuration files remain (dpkg's "rc"): purge removes them. */
export function debConfigOnlyFact(names: string[]): FactDef<string[]> {
  const sorted = [...new Set(names)].sort();
  return {
    key: `deb-config-only:${sorted.join(',')}`,
    script: `dpkg-query -W -f '\${db:Status-Abbrev} \${Package}\\n' ${sorted.map(shq).join(' ')} 2>/dev/null || true`,
    parse: (out) => out.split('\n').filter((l) => /^rc\s/.test(l)).map((l) => l.split(/\s+/)[1]),
  };
}

/** Python that downloads $1 to the file $2 on the host (apt's deb given as a URL, as Ansible's fetch_file does). */
export const FETCH_TO_FILE_PY = 'import shutil, sys, urllib.request as u\nwith u.urlopen(sys.argv[1], timeout=60) as r, open(sys.argv[2], "wb") as f: shutil.copyfileobj(r, f)';

/**
 * A .deb file on the host, or at a URL the host downloads it from (to a temporary file, removed after): its
 * package name, version and architecture (dpkg-deb --field), or why it cannot be read.
 */
export function debFileFact(path: string): FactDef<{ failed?: string; Package?: string; Version?: string; Architecture?: string }> {
  const url = /^https?:\/\//.test(path);
  const read = url
    ? `t=$(mktemp); if out=$(python3 -c ${shq(FETCH_TO_FILE_PY)} ${shq(path)} "$t" 2>&1) && out=$(dpkg-deb --field "$t" Package Version Architecture 2>&1); then rc=0; else rc=1; fi; rm -f "$t"`
    : `out=$(dpkg-deb --field ${shq(path)} Package Version Architecture 2>&1); rc=$?`;
  return {
    key: `deb-file:${path}`,
    // A URL is read when its task runs, never ahead: an earlier task may start the server that serves it.
    ...(url ? { lazy: true, fresh: true } : {}),
    script: `${read}; printf '%s\\n' "$out"; exit $rc`,
    parse(out, code) {
      if (code !== 0) return { failed: out.trim() || `dpkg-deb exited ${code}` };
      return Object.fromEntries(out.split('\n').filter((l) => l.includes(': ')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2).trim()]));
    },
  };
}
