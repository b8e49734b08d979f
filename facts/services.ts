// Service facts shared by modules: a unit's or init script's state.
import type { FactDef } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

export type ServiceState = {
  init: 'systemd' | 'sysv';
  exists: boolean;
  active: boolean;
  enabled: boolean;
  /** systemd: the program its ExecStart runs, when that is not there (a package removed, its unit left behind). */
  missingProgram?: string;
  /** systemd: masked (linked to /dev/null); present only when true. */
  masked?: boolean;
  /** systemd: its unit file changed since systemd read it (NeedDaemonReload); present only when true. */
  needsReload?: boolean;
};

/** A service's state under systemd, or under init scripts on hosts without systemd. */
export function serviceFact(name: string): FactDef<ServiceState> {
  const n = shq(name);
  return {
    // One unit, one key: systemd takes nginx and nginx.service for the same unit, and so must check mode.
    key: `service:${name.replace(/\.service$/, '')}`,
    script: [
      `if [ -d /run/systemd/system ]; then echo systemd;`,
      `systemctl show ${n} -p LoadState -p ActiveState -p UnitFileState -p NeedDaemonReload 2>/dev/null;`,
      `p=$(systemctl show ${n} -p ExecStart --value 2>/dev/null | sed -n 's/^{ path=\\([^ ;]*\\).*/\\1/p' | head -n 1);`,
      `if [ -n "$p" ] && [ ! -x "$p" ]; then echo "Missing=$p"; fi;`,
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
        exists: kv.LoadState === 'loaded' || kv.LoadState === 'masked',
        active: kv.ActiveState === 'active' || kv.ActiveState === 'reloading',
        enabled: ['enabled', 'enabled-runtime', 'static', 'alias', 'generated'].includes(kv.UnitFileState ?? ''),
        ...(kv.Missing ? { missingProgram: kv.Missing } : {}),
        ...(kv.LoadState === 'masked' || kv.UnitFileState === 'masked' ? { masked: true } : {}),
        ...(kv.NeedDaemonReload === 'yes' ? { needsReload: true } : {}),
      };
    },
  };
}

/**
 * Whether systemd must read its unit files again (`systemctl daemon-reload`): some loaded unit's file or drop-in
 * changed since it was read (NeedDaemonReload), an inactive one's too (--all: a unit stopped to start again with a
 * new drop-in would start as it was loaded). A unit never loaded needs none: systemd reads it when first used.
 */
export const daemonReloadFact: FactDef<{ systemd: boolean; needed: boolean }> = {
  key: 'systemd:daemon-reload',
  script: `if [ -d /run/systemd/system ]; then echo systemd; systemctl show --all '*' --property=NeedDaemonReload --value 2>/dev/null | grep -qx yes && echo needed; else echo sysv; fi`,
  parse: (out) => ({ systemd: out.startsWith('systemd'), needed: out.includes('needed') }),
};
