// The Python program unarchive's fact runs on the host (python3 is there wherever Ansible runs), its arguments as
// one JSON line on stdin before it (host-python.ts's loader): the archive (a path on the host; the bytes of a local file, base64; or
// a URL, downloaded), put in a temp file it removes; then what Ansible's unarchive module runs to decide: the
// handler (unzip -l, else GNU tar --list with -z, none, -j, -J, zstd), and `tar --diff` or `zipinfo -T -s` with the
// CRC of each member and of each file in dest; and what is at each path the archive names. It prints one JSON line:
// the raw outputs, which modules/unarchive/compare.ts reads as Ansible's module does. It writes nothing in dest.

export const PROBE_PY = String.raw`
import base64, binascii, codecs, fnmatch, grp, os, pwd, shutil, ssl, stat, subprocess, tempfile, time, zipfile
import urllib.request as U
C = dict(os.environ, LANG='C', LC_ALL='C', LC_MESSAGES='C', LANGUAGE='C')
def done(**r):
    sys.stdout.write(json.dumps(r) + '\n'); sys.exit(0)
def run(cmd, cwd=None, env=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode('utf-8', 'surrogateescape'), p.stderr.decode('utf-8', 'surrogateescape')
def name(f, i):
    try:
        return f(i)[0]
    except (KeyError, ValueError, OverflowError):
        return None
def at(path, crc=False):
    try:
        s = os.lstat(path)
    except OSError:
        return None
    t = 'd' if stat.S_ISDIR(s.st_mode) else 'l' if stat.S_ISLNK(s.st_mode) else 'f' if stat.S_ISREG(s.st_mode) else 'o'
    r = dict(t=t, mode=stat.S_IMODE(s.st_mode), size=s.st_size, mtime=s.st_mtime, uid=s.st_uid, gid=s.st_gid,
             owner=name(pwd.getpwuid, s.st_uid), group=name(grp.getgrgid, s.st_gid))
    if crc and t == 'f':
        c = binascii.crc32(b'')
        with open(path, 'rb') as f:
            for b in iter(lambda: f.read(a.get('io', 65536)), b''):
                c = binascii.crc32(b, c)
        r['crc'] = c & 0xffffffff
    return r
dest, tmp, empty, src = a['dest'], None, None, a.get('src')
try:
    if a.get('data') is not None or a.get('url'):
        fd, tmp = tempfile.mkstemp(prefix='provision-unarchive-'); src = tmp
        with os.fdopen(fd, 'wb') as f:
            if a.get('url'):
                try:
                    ctx = None if a.get('validate_certs', True) else ssl._create_unverified_context()
                    shutil.copyfileobj(U.urlopen(a['url'], timeout=10, context=ctx), f)
                except Exception as e:
                    done(error='Failure downloading %s, %s' % (a['url'], e))
            else:
                f.write(base64.b64decode(a['data']))
    elif not os.path.exists(src):
        done(error="Source '%s' does not exist" % src)
    if not os.access(src, os.R_OK):
        done(error="Source '%s' not readable" % src)
    if os.path.getsize(src) == 0:
        done(error="Invalid archive '%s', the file is 0 bytes" % (a.get('url') or src))
    absent = not os.path.isdir(dest)
    if absent:
        # Not there (yet: in check mode, an earlier task may make it): compared with an empty directory instead.
        empty = tempfile.mkdtemp(prefix='provision-unarchive-'); dest = empty
    uid, gid = os.getuid(), os.getgid()
    mask = os.umask(0); os.umask(mask)
    run_info = dict(uid=uid, gid=gid, owner=name(pwd.getpwuid, uid) or uid, group=name(grp.getgrgid, gid) or gid, umask=mask, groups=os.getgroups(),
                    absent=absent)
    def future(kind, db, byname, run_name, run_id):
        v = a.get(kind)
        if not v:
            return [run_name, run_id]
        try:
            t = byname(v)
        except KeyError:
            try:
                t = db(int(v))
            except (TypeError, KeyError, ValueError, OverflowError):
                t = db(run_id)
        return [t[0], t[2]]
    run_info['fut'] = future('owner', pwd.getpwuid, pwd.getpwnam, run_info['owner'], uid) + future('group', grp.getgrgid, grp.getgrnam, run_info['group'], gid)
    excludes, includes, opts, reasons = a.get('exclude') or [], a.get('include') or [], a.get('extra_opts') or [], []
    unzip, zipinfo = shutil.which('unzip'), shutil.which('zipinfo')
    zinfo = [zipinfo] if zipinfo else None
    if unzip and not zipinfo and 'zipinfo' in run([unzip, '-Z'])[1].lower():
        zinfo = [unzip, '-Z']
    if unzip and zinfo:
        rc, out, err = run([unzip, '-l', src])
        if rc == 0:
            rc, out, err = run(zinfo + ['-T', '-s', src] + (['-x'] + excludes if excludes else []) + includes)
            z = zipfile.ZipFile(src)
            crcs = {i.filename: i.CRC for i in z.infolist()}
            members = [m for m in z.namelist() if (any(fnmatch.fnmatch(m, i) for i in includes) if includes else not any(fnmatch.fnmatch(m, e) for e in excludes))]
            lines, disk, ztime = [], {}, {}
            for line in out.splitlines():
                pcs = line.split(None, 7)
                if len(pcs) == 8 and len(pcs[6]) == 15:
                    try:
                        ztime[pcs[7]] = time.mktime(time.strptime(pcs[6], '%Y%m%d.%H%M%S'))
                    except ValueError:
                        pass
                    disk[pcs[7]] = at(os.path.join(dest, pcs[7]), crc=True)
            for m in members + [m.split('/')[0] for m in members if '/' in m]:
                disk.setdefault(m, at(os.path.join(dest, m)))
            done(handler='ZipZArchive' if zinfo[0] == unzip else 'ZipArchive', cmd=unzip, rc=rc, out=out, crcs=crcs, ztime=ztime, files=members,
                 disk=disk, run=run_info)
        reasons.append('Command "%s" could not handle archive: %s' % (unzip, err))
    else:
        reasons.append("Unable to find required '%s' binary in the path." % "' or '".join([n for n, p in (('unzip', unzip), ('zipinfo', zinfo)) if not p]))
    tar = shutil.which('gtar') or shutil.which('tar')
    if not tar:
        done(error='Failed to find handler for "%s". Make sure the required command to extract the file is installed.\n%s' %
             (src, '\n'.join(reasons + ["Unable to find required 'gtar' or 'tar' binary in the path"])))
    version = run([tar, '--version'])[1]
    for handler, flag in (('TgzArchive', '-z'), ('TarArchive', ''), ('TarBzipArchive', '-j'), ('TarXzArchive', '-J'), ('TarZstdArchive', '--use-compress-program=zstd')):
        if not (version.startswith('tar') and 'GNU' in version):
            reasons.append('Command "%s" detected as tar type %s. GNU tar required.' % (tar, 'bsd' if version.startswith('bsdtar') else None))
            continue
        common = ([flag] if flag else []) + (['--show-transformed-names'] + opts if opts else [])
        ex = ['--exclude=' + e.rstrip('/') for e in excludes]
        rc, out, err = run([tar, '--list', '-C', dest] + common + ex + ['-f', src] + includes, cwd=dest, env=C)
        if rc != 0:
            reasons.append('Command "%s" could not handle archive: Unable to list files in the archive: %s' % (tar, err))
            continue
        files = []
        for f in out.splitlines():
            f = codecs.escape_decode(f)[0].decode('utf-8', 'surrogateescape')
            f = f[1:] if f.startswith('/') else f
            if not any(fnmatch.fnmatch(f, e.rstrip('/')) for e in excludes):
                files.append(f)
        if not files:
            reasons.append('Command "%s" found no files in archive. Empty archive files are not supported.' % tar)
            continue
        owner = ['--owner=' + a['owner']] if a.get('owner') else []
        group = ['--group=' + a['group']] if a.get('group') else []
        rc, out, err = run([tar, '--diff', '-C', dest] + common + owner + group + (['--keep-newer-files'] if a.get('keep_newer') else []) + ex + ['-f', src] + includes,
                           cwd=dest, env=C)
        disk = {m: at(os.path.join(dest, m)) for m in files + [m.split('/')[0] for m in files if '/' in m]}
        done(handler=handler, cmd=tar, flag=flag, rc=rc, out=out, err=err, files=files, disk=disk, run=run_info)
    done(error='Failed to find handler for "%s". Make sure the required command to extract the file is installed.\n%s' % (src, '\n'.join(sorted(set(reasons)))))
finally:
    if tmp and os.path.exists(tmp):
        os.remove(tmp)
    if empty:
        os.rmdir(empty)
`;
