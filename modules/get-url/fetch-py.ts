// The Python program get_url runs on the host (python3 is there wherever Ansible runs; curl or wget are not on
// every Debian). It reaches python3 on stdin after one line of JSON, its arguments (host-python.ts's loader reads both): never as
// program text, nor on a command line where the host's other users could read a password or a header. `probe` (the fact) does what Ansible's get_url does before it writes anything: the checksum (or the
// checksum file's line for the URL), dest's checksum when one is given, then the GET, with If-Modified-Since
// dest's mtime unless force, streamed into hashes only (no file is written); it prints one JSON line. `fetch`
// (the step) downloads into a temp file (tmp_dest, or beside dest), checks the checksum and that the bytes are
// those the probe planned with (their sha256: a URL answering otherwise fails the task), gives it dest's or the
// wanted owner and mode, backs dest up if asked (Ansible's NAME.PID.DATE@TIME~), and renames it over dest.

export const FETCH_PY = String.raw`
import base64, email.utils, grp, hashlib, io, json, netrc, os, pwd, re, shutil, ssl, sys, tempfile, time, zlib
import urllib.error as E, urllib.parse as P, urllib.request as U
def done(**r):
    sys.stdout.write(json.dumps(r) + '\n'); sys.exit(0)
def fail(msg, **r):
    done(kind='failed', msg=msg, **r)
def url_filename(url):
    return os.path.basename(P.urlsplit(url)[2]) or 'index.html'
def request(url, last_mod=None, force=False):
    handlers, headers = [], dict(a.get('headers') or {})
    parsed = P.urlsplit(url)
    if parsed.scheme != 'ftp':
        user, pw, netloc = a.get('username'), a.get('password'), parsed.netloc
        if not user and '@' in parsed.netloc:
            cred, netloc = parsed.netloc.split('@', 1)
            user, _, pw = cred.partition(':')
            url = P.urlunsplit(parsed._replace(netloc=netloc))
        if user and not a.get('force_basic_auth'):
            pm = U.HTTPPasswordMgrWithDefaultRealm(); pm.add_password(None, netloc, user, pw)
            handlers += [U.HTTPBasicAuthHandler(pm), U.HTTPDigestAuthHandler(pm)]
        elif user:
            headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % (user, pw or '')).encode()).decode()
        elif a.get('use_netrc', True):
            try:
                login = netrc.netrc(os.environ.get('NETRC')).authenticators(parsed.hostname)
            except IOError:
                login = None
            if login and login[0] and login[2]:
                headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % (login[0], login[2])).encode()).decode()
    if not a.get('use_proxy', True):
        handlers.append(U.ProxyHandler({}))
    ctx = ssl.create_default_context()
    if not a.get('validate_certs', True):
        ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    handlers.append(U.HTTPSHandler(context=ctx))
    req = U.Request(url)
    req.add_header('User-agent', a.get('http_agent', 'ansible-httpget'))
    if force:
        req.add_header('cache-control', 'no-cache')
    elif last_mod is not None:
        req.add_header('If-Modified-Since', email.utils.formatdate(int(last_mod), usegmt=True))
    unredirected = [h.lower() for h in a.get('unredirected_headers') or []]
    for k, v in headers.items():
        (req.add_unredirected_header if k.lower() in unredirected else req.add_header)(k, str(v))
    try:
        r = U.build_opener(*handlers).open(req, None, a.get('timeout', 10))
        return r, dict(status=r.getcode(), msg='OK (%s bytes)' % r.headers.get('Content-Length', 'unknown'), url=r.geturl(),
                       cd=r.headers.get('content-disposition'), gzip=r.headers.get('content-encoding', '').lower() == 'gzip')
    except (ConnectionError, ValueError) as e:
        fail(str(e))
    except E.HTTPError as e:
        return None, dict(status=e.code, msg=str(e))
    except E.URLError as e:
        return None, dict(status=int(getattr(e, 'code', -1)), msg='Request failed: %s' % e)
    except OSError as e:
        return None, dict(status=-1, msg='Connection failure: %s' % e)
    except Exception as e:
        return None, dict(status=-1, msg='An unknown error occurred: %s' % e)
def url_get(url, last_mod=None, force=False):
    r, info = request(url, last_mod, force)
    if info['status'] == 304:
        done(kind='not-modified', status_code=304, msg=info['msg'], **here(a['dest']))
    if info['status'] == -1:
        fail(info['msg'])
    if info['status'] != 200 and not url.startswith('file:/') and not (url.startswith('ftp:/') and info['msg'].startswith('OK')):
        fail('Request failed', status_code=info['status'], response=info['msg'])
    td = a.get('tmp_dest')
    if td and not os.path.isdir(td):
        fail('%s is a file but should be a directory.' % td if os.path.exists(td) else '%s directory does not exist.' % td)
    return r, info
def chunks(r, info):
    z = zlib.decompressobj(16 + zlib.MAX_WBITS) if info['gzip'] and a.get('decompress', True) else None
    while True:
        b = r.read(65536)
        if not b:
            break
        yield z.decompress(b) if z else b
    if z:
        yield z.flush()
def digest(path, algo):
    h = hashlib.new(algo)
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(65536), b''):
            h.update(b)
    return h.hexdigest()
def here(path):
    """What is at the path (links not followed), as the plan reads a file, and whether its directory exists."""
    st = {'dest': path, 'parent': os.path.isdir(os.path.dirname(path) or '/')}
    try:
        s = os.lstat(path)
    except FileNotFoundError:
        return dict(st, state={'state': 'absent'})
    kind = 'link' if os.path.islink(path) else 'directory' if os.path.isdir(path) else 'file' if os.path.isfile(path) else 'other'
    f = {'state': kind, 'mode': '%04o' % (s.st_mode & 0o7777), 'uid': s.st_uid, 'gid': s.st_gid, 'size': s.st_size}
    for k, db, i in (('owner', pwd.getpwuid, s.st_uid), ('group', grp.getgrgid, s.st_gid)):
        try:
            f[k] = db(i)[0]
        except KeyError:
            f[k] = str(i)
    if kind == 'file':
        f['sha256'] = digest(path, 'sha256'); st['sha1'] = digest(path, 'sha1')
        if a.get('algorithm'):
            st['digest'] = digest(path, a['algorithm'])
    return dict(st, state=f)
def expected():
    """The checksum wanted, as Ansible reads the argument (a URL: the line of the checksum file for the URL's name)."""
    value = a['checksum']
    if P.urlsplit(value).scheme in ('http', 'https', 'ftp', 'file'):
        r, info = url_get(value, None, a.get('force', False))
        lines = [l.rstrip('\n') for l in io.TextIOWrapper(io.BytesIO(b''.join(chunks(r, info))), encoding='utf-8')]
        name, found = url_filename(a['url']), []
        if len(lines) == 1 and len(lines[0].split()) == 1:
            found.append((lines[0], name))
        else:
            for line in lines:
                parts = line.split(' ', 1)
                if len(parts) == 2:
                    if parts[1].startswith((' ', '*')):
                        parts[1] = parts[1][1:]
                    found.append((parts[0], parts[1].lstrip('./')))
        value = next((s for s, f in found if f == name), None)
        if value is None:
            fail("Unable to find a checksum for file '%s' in '%s'" % (name, a['checksum']))
    value = re.sub(r'\W+', '', value).lower()
    try:
        int(value, 16)
    except ValueError:
        fail('The checksum format is invalid')
    return value
def probe():
    dest, force, want, last_mod = a['dest'], a.get('force', False), expected() if a.get('algorithm') else '', None
    if not os.path.isdir(dest) and os.path.exists(dest):
        if not force and want and digest(dest, a['algorithm']) == want:
            done(kind='exists', checksum=want, **here(dest))
        last_mod = os.path.getmtime(dest)
        force = force or bool(want)
    r, info = url_get(a['url'], last_mod, force)
    hs = {k: hashlib.new(k) for k in {'sha1', 'sha256', 'md5', a.get('algorithm') or 'sha1'}}
    size = 0
    for b in chunks(r, info):
        size += len(b)
        for h in hs.values():
            h.update(b)
    if os.path.isdir(dest):
        m = re.match('attachment; ?filename="?([^"]+)', info['cd'] or '')
        dest = os.path.join(dest, os.path.basename(m.group(1)) if m else url_filename(info['url']))
    now = here(dest)
    done(kind='downloaded', status_code=info['status'], msg=info['msg'], size=size, checksum=want, src={k: h.hexdigest() for k, h in hs.items()},
         user=pwd.getpwuid(os.geteuid())[0], usergroup=grp.getgrgid(os.getegid())[0], **now)
def fetch():
    dest, want = a['final'], a.get('expect')
    r, info = url_get(a['url'], None, a.get('force', False))
    fd, tmp = tempfile.mkstemp(dir=a.get('tmp_dest') or os.path.dirname(dest), prefix='.provision-get_url-')
    try:
        h, whole = hashlib.new(a.get('algorithm') or 'sha1'), hashlib.sha256()
        with os.fdopen(fd, 'wb') as f:
            for b in chunks(r, info):
                f.write(b); h.update(b); whole.update(b)
        if want and h.hexdigest() != want:
            sys.exit('The checksum for %s did not match %s; it was %s.' % (dest, want, h.hexdigest()))
        if a.get('planned') and whole.hexdigest() != a['planned']:
            sys.exit('%s: the URL answered other bytes than when the task was planned (sha256 %s, now %s): %s left as it was' % (a['url'], a['planned'], whole.hexdigest(), dest))
        if os.path.exists(dest):
            s = os.stat(dest)
            os.chmod(tmp, s.st_mode & 0o7777)
            if os.geteuid() == 0:
                os.chown(tmp, s.st_uid, s.st_gid)
        else:
            mask = os.umask(0); os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
        if a.get('owner') or a.get('group'):
            shutil.chown(tmp, a.get('owner'), a.get('group'))
        if a.get('mode'):
            os.chmod(tmp, int(a['mode'], 8))
        if a.get('backup') and os.path.exists(dest):
            b = '%s.%s.%s' % (dest, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S~'))
            shutil.copy2(dest, b)
            s = os.stat(dest)
            os.chown(b, s.st_uid, s.st_gid)
            print('backup_file ' + b)
        try:
            os.replace(tmp, dest)
        except OSError:
            fd2, near = tempfile.mkstemp(dir=os.path.dirname(dest), prefix='.provision-get_url-'); os.close(fd2)
            shutil.copy2(tmp, near)
            s = os.stat(tmp)
            os.chown(near, s.st_uid, s.st_gid)
            os.replace(near, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
try:
    probe() if a['op'] == 'probe' else fetch()
except SystemExit:
    raise
except Exception as e:
    if a['op'] == 'probe':
        fail('%s: %s' % (type(e).__name__, e))
    raise
`;
