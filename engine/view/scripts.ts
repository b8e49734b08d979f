// The throwaway view of a host (the exact check of issue 20): the sh texts that run on the host. VIEW builds a
// copy-on-write view in a private mount, PID, UTS and IPC namespace: an overlay whose lower layer is the host's
// root and whose upper layer is a size-limited tmpfs, a fresh /proc, a read-only /sys, a minimal /dev, a fresh
// /run (no socket into the host's systemd or D-Bus), service commands replaced by recorders, netfilter tools
// sent to a network namespace of the view's own; then it becomes the view's PID 1, which lives while its stdin
// (the SSH channel) is open and a heartbeat line arrives in time: when it ends, the kernel kills everything in
// the view and the mounts go with it. Nothing is written to the host's root.
//
// Parameters of VIEW: $1 the most the upper layer (a tmpfs) holds, in KiB: refused unless the host has that much
// memory available (MemAvailable); $2 the heartbeat timeout in seconds.
// It prints `${READY} PID` (PID: the view's PID 1 as the host numbers it), or `${UNABLE} reason` and exits 3.

export const READY = 'PROVISION-VIEW-READY';
export const UNABLE = 'PROVISION-VIEW-UNABLE';
/** Where the view's bookkeeping lives inside it: on its own /run tmpfs, so never in the upper layer. */
export const STATE = '/run/provision-view';
/** The mount point of the view's tmpfs: an existing directory, hidden only inside the view's mount namespace. */
const T = '/mnt';

/**
 * Service commands: the intent is logged (argv), nothing reaches the host's PID 1; unit files are still made. What
 * the intents would do is kept in ${STATE}/units (a unit and active or inactive, from the host's own at the start),
 * so that what reads a service's state afterwards (systemctl show and is-active, service status) reads what the
 * host would show: nginx active once its package's postinst asked to start it.
 */
const RECORDER = `#!/bin/sh
# provision view: a recorder in place of a service command. The intent is logged; nothing is started or stopped.
n=\${0##*/}
# What only reads (systemctl show, is-active...; a status) is not an intent.
ro=; for a in "$@"; do case $a in --status|-T) [ "$n" = start-stop-daemon ] && ro=1 ;; -*) ;; show|is-active|is-enabled|is-failed|is-system-running|list-units|list-unit-files|cat|get-default|status) ro=1; break ;; *) [ "$n" = systemctl ] && break ;; esac; done
[ -n "$ro" ] || { printf '%s' "$n"; for a in "$@"; do printf ' %s' "$a"; done; echo; } >> ${STATE}/intents
units=${STATE}/units
unit() { case $1 in *.*) echo "$1" ;; *) echo "$1.service" ;; esac; }
# A unit's (or a pidfile's) state: compared as a whole word, since a pidfile's path holds slashes and dots.
state() { s=$(awk -v u="$(unit "$1")" '$1 == u { s = $2 } END { print s }' $units); echo "\${s:-inactive}"; }
set_state() { u=$(unit "$1"); { awk -v u="$u" '$1 != u' $units; echo "$u $2"; } > $units.new; mv $units.new $units; }
loaded() { u=$(unit "$1"); for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do [ -e "$d/$u" ] && return 0; done; [ -x "/etc/init.d/\${u%.service}" ]; }
# The units named after the verb VERB (the first word not an option) of a systemctl command line: after VERB ARGS...
after() { v=$1; shift; seen=; for a in "$@"; do [ -n "$seen" ] && case $a in -*) ;; *) echo "$a" ;; esac; [ "$a" = "$v" ] && seen=1; done; }
act() { # act ACTION UNIT: what the action leaves the unit as
  case $1 in
    start|restart|reload|force-reload|reload-or-restart|try-reload-or-restart|condrestart) loaded "$2" && set_state "$2" active ;;
    try-restart) [ "$(state "$2")" = active ] && set_state "$2" active ;;
    stop) set_state "$2" inactive ;;
  esac; return 0
}
case $n in
  systemctl)
    verb=; for a in "$@"; do case $a in -*) ;; *) verb=$a; break ;; esac; done
    case $verb in
      enable|disable|reenable|mask|unmask|preset|preset-all|link|revert|set-default|get-default|add-wants|add-requires|is-enabled|list-unit-files|cat)
        now=; for a in "$@"; do [ "$a" = --now ] && now=1; done
        set -- $(for a in "$@"; do [ "$a" = --now ] || printf '%s\\n' "$a"; done)
        if [ -n "$now" ]; then for u in $(after "$verb" "$@"); do act "$([ "$verb" = enable ] && echo start || echo stop)" "$u"; done; fi
        SYSTEMD_OFFLINE=1 exec ${STATE}/real/systemctl "$@" ;;
      is-active) rc=3; for u in $(after is-active "$@"); do st=$(state "$u"); echo "$st"; [ "$st" = active ] && rc=0; done; exit $rc ;;
      is-failed) echo inactive; exit 1 ;;
      is-system-running) echo running; exit 0 ;;
      show)
        # What the facts ask (Id, LoadState, ActiveState, UnitFileState, NeedDaemonReload) of each unit named, as
        # systemctl prints them (a blank line between units; --value: values only); other properties are left out.
        props=; names=; value=; next=
        for a in "$@"; do
          if [ -n "$next" ]; then props="$props $(echo "$a" | tr , ' ')"; next=; continue; fi
          case $a in -p|--property) next=1 ;; --property=*) props="$props $(echo "\${a#--property=}" | tr , ' ')" ;; --value) value=1 ;; -*|show|*'*'*) ;; *) names="$names $a" ;; esac
        done
        [ -n "$props" ] || props="Id LoadState ActiveState UnitFileState"
        first=1
        for u in $names; do
          [ -n "$first" ] || echo; first=
          for p in $props; do
            case $p in
              Id) v=$(unit "$u") ;;
              LoadState) if loaded "$u"; then v=loaded; else v=not-found; fi ;;
              ActiveState) v=$(state "$u") ;;
              UnitFileState) v=$(SYSTEMD_OFFLINE=1 ${STATE}/real/systemctl is-enabled "$(unit "$u")" 2>/dev/null | head -n 1) ;;
              NeedDaemonReload) v=no ;;
              *) continue ;;
            esac
            if [ -n "$value" ]; then echo "$v"; else echo "$p=$v"; fi
          done
        done
        exit 0 ;;
      *) for u in $(after "$verb" "$@"); do act "$verb" "$u"; done; exit 0 ;;
    esac ;;
  start-stop-daemon)
    # An init script run directly (the app's on a host without systemd): what it starts or stops is kept by its
    # pidfile (or name, or program), and its status is read from that.
    op=; key=; prev=
    for a in "$@"; do
      case $prev in --pidfile|-p) key=$a ;; --name|-n) [ -n "$key" ] || key=name:$a ;; --exec|-x) [ -n "$key" ] || key=exec:$a ;; esac
      case $a in --start|-S) op=start ;; --stop|-K) op=stop ;; --status|-T) op=status ;; --pidfile=*) key=\${a#--pidfile=} ;; --) break ;; esac
      prev=$a
    done
    case $op in
      start) set_state "ssd:$key" active ;;
      stop) set_state "ssd:$key" inactive ;;
      status) [ "$(state "ssd:$key")" = active ] && exit 0; exit 3 ;;
    esac
    exit 0 ;;
  deb-systemd-invoke) a=; for x in "$@"; do case $x in -*) ;; *) if [ -z "$a" ]; then a=$x; else act "$a" "$x"; fi ;; esac; done; exit 0 ;;
  invoke-rc.d|service)
    all="$*"
    set -- $(for x in "$@"; do case $x in -*) ;; *) printf '%s\\n' "$x" ;; esac; done)
    [ $# -ge 2 ] || exit 0
    if [ "$2" = status ]; then [ "$(state "$1")" = active ] && exit 0; exit 3; fi
    # Without systemd, invoke-rc.d runs an action only where the runlevel and policy-rc.d let it: asked, not guessed.
    if [ "$n" = invoke-rc.d ] && [ ! -d /run/systemd/system ] && [ -x ${STATE}/real/invoke-rc.d ]; then
      ${STATE}/real/invoke-rc.d --query $all >/dev/null 2>&1; [ $? = 104 ] || exit 0
    fi
    act "$2" "$1"; exit 0 ;;
  *) exit 0 ;;
esac
`;

/** Netfilter tools run in the view's own network namespace, never the host's (what they leave is read back there). */
const FWRAP = `#!/bin/bash
n=\${0##*/}
real=${STATE}/real/fw
case $(readlink -f "$0") in
  */nft) exec nsenter --user=${STATE}/fw-user --net=${STATE}/fw-net $real/nft "$@" ;;
  */xtables-legacy-multi) exec nsenter --user=${STATE}/fw-user --net=${STATE}/fw-net $real/xtables-legacy-multi "$n" "$@" ;;
  *) exec nsenter --user=${STATE}/fw-user --net=${STATE}/fw-net $real/xtables-nft-multi "$n" "$@" ;;
esac
`;

/** Run in the view's mount namespace, outside its root, after each task: wraps netfilter binaries a task installed. */
export const GUARD = `M=${T}/merged; R=$M${STATE}/real/fw
mkdir -p $R
for b in /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/nft; do
  [ -f $M$b ] || continue
  findmnt -rn -o TARGET | grep -qx "$M$b" && continue
  touch $R/\${b##*/} && mount --bind $M$b $R/\${b##*/} && mount --bind $M${STATE}/fwrap $M$b
done`;

export const VIEW = `set -u
size=$1 beat=$2
unable() { echo "${UNABLE} $*"; exit 3; }
[ "$(id -u)" = 0 ] || unable "it needs root (become)"
for c in unshare nsenter setpriv findmnt chroot bash; do command -v $c >/dev/null 2>&1 || unable "$c is not installed"; done
command -v python3 >/dev/null 2>&1 || unable "python3 is not installed (the view reads its changes with it)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null; grep -qw overlay /proc/filesystems || unable "the kernel has no overlayfs"
avail=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null)
if [ -n "$avail" ] && [ "$avail" -lt "$size" ]; then unable "too little memory for its upper layer: $((avail / 1024)) MiB available, $((size / 1024)) MiB asked (--view-memory)"; fi
unshare --mount true 2>/dev/null || unable "cannot make a mount namespace (no CAP_SYS_ADMIN)"
[ -d ${T} ] || unable "${T} is missing (the view mounts its tmpfs there, inside its own namespace)"
inner=$(cat <<'EOV'
set -e
size=$1 beat=$2
unable() { echo "${UNABLE} $*"; exit 3; }
T=${T}; M=$T/merged; S=$M${STATE}
mount -t tmpfs -o size=\${size}k,mode=700 provision-view $T 2>/dev/null || unable "cannot mount a tmpfs (no CAP_SYS_ADMIN?)"
mkdir $T/upper $T/work $M
mount -t overlay overlay -o lowerdir=/,upperdir=$T/upper,workdir=$T/work $M 2>/dev/null || unable "cannot mount an overlay of / (the root is already overlays two deep?)"
mount -t proc -o nosuid,nodev,noexec proc $M/proc
mount --bind $M/proc/sys $M/proc/sys && mount -o remount,bind,ro $M/proc/sys
for p in sysrq-trigger kcore; do if [ -e $M/proc/$p ]; then mount --bind /dev/null $M/proc/$p; fi; done
mount --rbind /sys $M/sys && mount --make-rslave $M/sys
for m in $(findmnt -rn -o TARGET -R $M/sys | sort -r); do mount -o remount,bind,ro $m 2>/dev/null || true; done
mount -t tmpfs -o mode=755,size=256k,nosuid view-dev $M/dev
for d in null zero full random urandom tty; do touch $M/dev/$d; mount --bind /dev/$d $M/dev/$d; done
mkdir $M/dev/pts $M/dev/shm $M/dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts $M/dev/pts
ln -s pts/ptmx $M/dev/ptmx; ln -s /proc/self/fd $M/dev/fd
ln -s /proc/self/fd/0 $M/dev/stdin; ln -s /proc/self/fd/1 $M/dev/stdout; ln -s /proc/self/fd/2 $M/dev/stderr
mount -t tmpfs -o mode=1777,nosuid,nodev view-shm $M/dev/shm
mount -t mqueue mqueue $M/dev/mqueue 2>/dev/null || true
mount -t tmpfs -o mode=755,nosuid,nodev,size=64m view-run $M/run
mkdir -m 1777 $M/run/lock; mkdir -p $S/real/fw
# Packages and facts tell systemd from sysv by this directory: as on the host.
if [ -d /run/systemd/system ]; then mkdir -p $M/run/systemd/system; fi
r=$(readlink -f /etc/resolv.conf); case $r in /run/*) mkdir -p "$M$(dirname "$r")"; cp "$r" "$M$r" ;; esac
cat > $S/recorder <<"EOR"
${RECORDER}EOR
cat > $S/fwrap <<"EOF"
${FWRAP}EOF
chmod 755 $S/recorder $S/fwrap; : > $S/intents
# The host's services as they are: the recorders' starting point.
if [ -d /run/systemd/system ]; then systemctl list-units --type=service --all --plain --no-legend --no-pager 2>/dev/null | awk '{ print $1, ($3 == "active" ? "active" : "inactive") }' > $S/units; else
  for f in /etc/init.d/*; do [ -x "$f" ] || continue; n=\${f##*/}; if "$f" status >/dev/null 2>&1; then echo "$n.service active"; fi; done > $S/units; fi
# Daemons started by start-stop-daemon with a pidfile (init scripts run directly), alive on the host.
for p in /run/*.pid /run/*/*.pid; do [ -f "$p" ] || continue; pid=$(head -n 1 "$p" | tr -dc 0-9); if [ -n "$pid" ] && [ -d /proc/$pid ]; then echo "ssd:$p active"; fi; done >> $S/units
touch $S/real/systemctl; mount --bind /usr/bin/systemctl $S/real/systemctl
# invoke-rc.d itself, asked (--query) whether an action would run: the host's runlevel and policy-rc.d decide. (No
# policy-rc.d of the view's own: invoke-rc.d and deb-systemd-invoke, its only readers, are recorders already.)
if [ -x /usr/sbin/invoke-rc.d ]; then touch $S/real/invoke-rc.d; mount --bind /usr/sbin/invoke-rc.d $S/real/invoke-rc.d; fi
for c in /usr/bin/systemctl /usr/sbin/service /usr/sbin/invoke-rc.d /usr/bin/deb-systemd-invoke /usr/sbin/start-stop-daemon /sbin/start-stop-daemon /usr/sbin/reboot /usr/sbin/shutdown /usr/sbin/halt /usr/sbin/poweroff /usr/sbin/telinit; do
  if [ -e $M$c ]; then mount --bind $S/recorder $M$c; fi
done
# The view's own firewall: a network namespace owned by a user namespace of its own, where netfilter tools have the
# capabilities the view's commands go without; both kept by bind mounts, so their holder need not live on.
unshare --user --map-root-user --net sleep 600 & fw=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(readlink $M/proc/$fw/ns/net)" != "$(readlink $M/proc/self/ns/net)" ] && break; sleep 0.05; done
touch $S/fw-user $S/fw-net; mount --bind $M/proc/$fw/ns/user $S/fw-user; mount --bind $M/proc/$fw/ns/net $S/fw-net
kill $fw; wait $fw 2>/dev/null || true
# It starts as the host's firewall is: its rules copied in, with iptables-save for both families where iptables is
# (nft's own copy of rules iptables-nft made is "incompatible" for iptables after: ufw's chains), else with nft.
fw() { nsenter --user=$S/fw-user --net=$S/fw-net "$@"; }
if command -v iptables-save >/dev/null 2>&1; then
  iptables-save 2>/dev/null | fw iptables-restore 2>/dev/null || true
  ip6tables-save 2>/dev/null | fw ip6tables-restore 2>/dev/null || true
elif command -v nft >/dev/null 2>&1; then nft list ruleset 2>/dev/null | fw nft -f - 2>/dev/null || true
fi
${GUARD}
echo "${READY} $(cut -d" " -f4 /proc/self/stat)"
exec chroot $M /bin/bash -c "while read -t $beat _; do :; done"
EOV
)
exec unshare --mount --pid --uts --ipc --fork --kill-child --propagation private sh -c "$inner" view "$size" "$beat"`;
