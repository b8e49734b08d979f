// The Python program wait_for runs on the host (python3 is there wherever Ansible runs), ported from Ansible's
// wait_for module: the same loop over a port, a path or the host's TCP connections (drained, from /proc/net/tcp*),
// the same Python regular expression (re.MULTILINE, on bytes), the same messages and elapsed seconds. Its
// arguments come as one JSON argv word (never program text); it prints one JSON line: the result Ansible returns.
export const POLL_PY = String.raw`
import binascii, datetime, json, math, os, re, select, socket, sys, time
a = json.loads(sys.argv[1])
def done(**r):
    sys.stdout.write(json.dumps(r) + '\n'); sys.exit(0)
def text(b):
    return b.decode('utf-8', 'surrogateescape') if b is not None else None
def now():
    return datetime.datetime.utcnow()
def total(td):
    return (td.microseconds + 0.0 + (td.seconds + td.days * 24 * 3600) * 10 ** 6) / 10 ** 6
STATES = {'ESTABLISHED': '01', 'SYN_SENT': '02', 'SYN_RECV': '03', 'FIN_WAIT1': '04', 'FIN_WAIT2': '05', 'TIME_WAIT': '06'}
def to_ip(host):
    ips = []
    for family, _t, _p, _c, sockaddr in socket.getaddrinfo(host, 80, 0, 0, socket.SOL_TCP):
        ips.append((family, sockaddr[0]))
        if family == socket.AF_INET:
            ips.append((socket.AF_INET6, '::ffff:' + sockaddr[0]))
    return ips
def to_hex(host):
    ips = []
    for family, ip in to_ip(host):
        nf = binascii.b2a_hex(socket.inet_pton(family, ip))
        hf = ''
        for i in range(0, len(nf), 8):
            hf = '%s%08X' % (hf, socket.ntohl(int(nf[i:i + 8], base=16)))
        ips.append((family, hf))
    return ips
def active_connections(host, port, exclude, states):
    ips, port_hex, count = to_hex(host), '%0.4X' % int(port), 0
    exclude_ips = [x for h in exclude for x in to_hex(h)]
    files = {socket.AF_INET: ('/proc/net/tcp', '00000000'), socket.AF_INET6: ('/proc/net/tcp6', '0' * 32)}
    for family, (source, match_all) in files.items():
        if not os.path.isfile(source):
            continue
        with open(source) as f:
            for line in f.readlines():
                c = line.strip().split()
                if c[1] == 'local_address' or c[3] not in states:
                    continue
                local_ip, local_port = c[1].split(':')
                if local_port != port_hex:
                    continue
                if (family, c[2].split(':')[0]) in exclude_ips:
                    continue
                if (family, local_ip) in ips or (family, match_all) in ips or (
                        local_ip.startswith('0000000000000000FFFF0000') and (family, '0000000000000000FFFF000000000000') in ips):
                    count += 1
    return count
host, port, path, state, msg = a['host'], a.get('port'), a.get('path'), a['state'], a.get('msg')
timeout, connect_timeout, sleep, regex = a['timeout'], a['connect_timeout'], a['sleep'], a.get('search_regex')
if path is not None:
    path = os.path.expanduser(os.path.expandvars(path))
b_path = path.encode() if path is not None else None
try:
    compiled = re.compile(regex.encode(), re.MULTILINE) if regex is not None else None
except re.error as e:
    done(failed=True, msg='Invalid regular expression: %s' % e)
groupdict, groups = {}, ()
def fail(text):
    done(failed=True, msg=msg or text, elapsed=(now() - start).seconds)
start = now()
if a['delay']:
    time.sleep(a['delay'])
end = start + datetime.timedelta(seconds=timeout)
if not port and not path and state != 'drained':
    time.sleep(timeout)
elif state in ('absent', 'stopped'):
    while now() < end:
        if path:
            if not os.access(b_path, os.F_OK):
                break
        elif port:
            try:
                s = socket.create_connection((host, port), connect_timeout)
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except Exception:
                break
        time.sleep(sleep)
    else:
        fail('Timeout when waiting for %s:%s to stop.' % (host, port) if port else 'Timeout when waiting for %s to be absent.' % path)
elif state in ('started', 'present'):
    while now() < end:
        if path:
            try:
                os.stat(b_path)
            except OSError as e:
                if e.errno != 2:
                    fail('Failed to stat %s, %s' % (path, e.strerror))
            else:
                if not compiled:
                    break
                try:
                    with open(b_path, 'rb') as f:
                        found = compiled.search(f.read())
                    if found:
                        groupdict = dict((k, text(v)) for k, v in found.groupdict().items())
                        groups = tuple(text(g) for g in found.groups())
                        break
                except IOError:
                    pass
        elif port:
            try:
                s = socket.create_connection((host, port), min(connect_timeout, math.ceil(total(end - now()))))
            except Exception:
                pass
            else:
                matched = not compiled
                data = b''
                while compiled and now() < end:
                    if not select.select([s], [], [], math.ceil(total(end - now())))[0]:
                        continue
                    got = s.recv(1024)
                    if not got:
                        break
                    data += got
                    if compiled.search(data):
                        matched = True
                        break
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
                if matched:
                    break
        time.sleep(sleep)
    else:
        if port:
            fail('Timeout when waiting for search string %s in %s:%s' % (regex, host, port) if regex else 'Timeout when waiting for %s:%s' % (host, port))
        fail('Timeout when waiting for search string %s in %s' % (regex, path) if regex else 'Timeout when waiting for file %s' % path)
elif state == 'drained':
    states = [STATES[x] for x in a['active_connection_states']]
    while now() < end:
        if active_connections(host, port, a.get('exclude_hosts') or [], states) == 0:
            break
        time.sleep(sleep)
    else:
        fail('Timeout when waiting for %s:%s to drain' % (host, port))
r = dict(failed=False, state=state, port=port, search_regex=regex, match_groups=groups, match_groupdict=groupdict, path=path,
         elapsed=(now() - start).seconds)
# As Ansible's exit_json (add_path_info): a result naming a path that exists says what is there, its state too.
if path is not None and os.path.exists(b_path):
    import grp, pwd, stat
    st = os.lstat(b_path)
    r.update(uid=st.st_uid, gid=st.st_gid, mode='0%03o' % stat.S_IMODE(st.st_mode), size=st.st_size)
    try:
        r['owner'] = pwd.getpwuid(st.st_uid)[0]
    except KeyError:
        r['owner'] = str(st.st_uid)
    try:
        r['group'] = grp.getgrgid(st.st_gid)[0]
    except KeyError:
        r['group'] = str(st.st_gid)
    r['state'] = 'link' if os.path.islink(b_path) else 'directory' if os.path.isdir(b_path) else 'hard' if os.stat(b_path).st_nlink > 1 else 'file'
done(**r)
`;
