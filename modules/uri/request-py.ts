// The Python program uri runs on the host (python3 is there wherever Ansible runs), ported from Ansible's uri module
// and the part of module_utils/urls.py (fetch_url, open_url, its redirect handler) it uses: the body encoded as
// Ansible encodes it (json.dumps, urlencode of a dict or list), the same redirect rules, the response's headers
// lowercased with '-' made '_', cookies, json when the content type says so, content when asked, and the messages
// Ansible gives. It reads its arguments as the first line of stdin (never program text, never on a command line:
// a password or a header stays off `ps`), and prints one JSON line: the result Ansible returns.

export const REQUEST_PY = String.raw`
import base64, datetime, http.cookiejar, json, os, re, ssl, sys
import urllib.error as E, urllib.parse as P, urllib.request as U
from collections.abc import Mapping, Sequence
def done(failed, r):
    r['failed'] = failed
    sys.stdout.write(json.dumps(r) + '\n'); sys.exit(0)
def form_urlencoded(body):
    if isinstance(body, str):
        return body
    if isinstance(body, (Mapping, Sequence)):
        pairs = list(body.items()) if isinstance(body, Mapping) else list(body)
        result = []
        for key, values in pairs:
            if isinstance(values, str) or not isinstance(values, (Mapping, Sequence)):
                values = [values]
            for value in values:
                if value is not None:
                    result.append((str(key), str(value)))
        return P.urlencode(result, doseq=True)
    return body
def absolute_location(url, location):
    if '://' in location:
        return location
    if location.startswith('/'):
        return '%s%s' % (url.replace(P.urlsplit(url)[2], ''), location)
    return '%s/%s' % (os.path.dirname(url), location)
class Redirects(U.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, hdrs, newurl):
        follow = a['follow_redirects']
        if follow == 'urllib2':
            return U.HTTPRedirectHandler.redirect_request(self, req, fp, code, msg, hdrs, newurl)
        if follow in ('no', 'none'):
            raise E.HTTPError(newurl, code, msg, hdrs, fp)
        method = req.get_method()
        if follow in ('all', 'yes'):
            if code < 300 or code >= 400:
                raise E.HTTPError(req.get_full_url(), code, msg, hdrs, fp)
        elif code < 300 or code >= 400 or method not in ('GET', 'HEAD'):
            raise E.HTTPError(req.get_full_url(), code, msg, hdrs, fp)
        data, newurl = req.data, newurl.replace(' ', '%20')
        if code in (307, 308):
            headers = req.headers
        else:
            data = None
            headers = dict((k, v) for k, v in req.headers.items() if k.lower() not in ('content-length', 'content-type', 'transfer-encoding'))
            if (code == 303 and method != 'HEAD') or (code == 302 and method != 'HEAD'):
                method = 'GET'
            if code == 301 and method == 'POST':
                method = 'GET'
        return U.Request(newurl, data=data, headers=headers, origin_req_host=req.origin_req_host, unverifiable=True, method=method)
url, method, body, fmt = a['url'], a['method'].upper(), a.get('body'), a['body_format'].lower()
headers = dict((k, str(v)) for k, v in (a.get('headers') or {}).items())
status_code = [int(x) for x in a['status_code']]
if not re.match('^[A-Z]+$', method):
    done(True, dict(msg="Parameter 'method' needs to be a single word in uppercase, like GET or POST."))
if fmt == 'json':
    if not isinstance(body, str):
        body = json.dumps(body)
    if 'content-type' not in [h.lower() for h in headers]:
        headers['Content-Type'] = 'application/json'
elif fmt == 'form-urlencoded':
    if not isinstance(body, str):
        try:
            body = form_urlencoded(body)
        except (ValueError, TypeError) as e:
            done(True, dict(msg='failed to parse body as form_urlencoded: %s' % e, elapsed=0))
    if 'content-type' not in [h.lower() for h in headers]:
        headers['Content-Type'] = 'application/x-www-form-urlencoded'
data = body.encode('utf-8') if isinstance(body, str) else body
jar = http.cookiejar.CookieJar()
context = ssl.create_default_context()
if not a['validate_certs']:
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
handlers = [Redirects(), U.HTTPCookieProcessor(jar), U.HTTPSHandler(context=context)]
if not a['use_proxy']:
    handlers.append(U.ProxyHandler({}))
user, password = a.get('url_username'), a.get('url_password')
if user and not a['force_basic_auth']:
    pm = U.HTTPPasswordMgrWithDefaultRealm(); pm.add_password(None, P.urlsplit(url).netloc, user, password)
    handlers += [U.HTTPBasicAuthHandler(pm), U.HTTPDigestAuthHandler(pm)]
elif user:
    headers['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % (user, password or '')).encode()).decode()
headers.setdefault('User-Agent', a['http_agent'])
info = dict(url=url, status=-1)
r = None
start = datetime.datetime.utcnow()
try:
    r = U.build_opener(*handlers).open(U.Request(url, data=data, headers=headers, method=method), timeout=a['timeout'])
    info.update(dict((k.lower(), v) for k, v in r.info().items()))
    merged = {}
    for name, value in r.headers.items():
        name = name.lower()
        merged[name] = ', '.join((merged[name], value)) if name in merged else value
    info.update(merged)
    cookies = [(c.name, c.value) for c in jar]
    info['cookies_string'] = '; '.join('%s=%s' % c for c in cookies)
    info['cookies'] = dict(cookies)
    info.update(dict(msg='OK (%s bytes)' % r.headers.get('Content-Length', 'unknown'), url=r.geturl(), status=r.code))
except E.HTTPError as e:
    r = e
    try:
        if e.fp is None:
            raise AttributeError
        err_body = e.read()
    except AttributeError:
        err_body = b''
    else:
        e.close()
    try:
        info.update(dict((k.lower(), v) for k, v in e.info().items()))
    except Exception:
        pass
    info.update({'msg': str(e), 'body': err_body, 'status': e.code})
except E.URLError as e:
    info.update(dict(msg='Request failed: %s' % e, status=int(getattr(e, 'code', -1))))
except OSError as e:
    info.update(dict(msg='Connection failure: %s' % e, status=-1))
except Exception as e:
    info.update(dict(msg='An unknown error occurred: %s' % e, status=-1))
elapsed = (datetime.datetime.utcnow() - start).seconds
content_type, sub_type, charset = 'application/octet-stream', 'octet-stream', 'utf-8'
if r is not None and getattr(r, 'fp', None) is not None:
    content_type = r.headers.get_content_type()
    sub_type = r.headers.get_content_subtype()
    charset = r.headers.get_content_charset('utf-8')
suffix = sub_type.partition('+')[2] if '+' in sub_type else sub_type
maybe_json = bool(content_type) and suffix.lower() in ('json', 'javascript')
content = None
if maybe_json or a['return_content'] or info['status'] not in status_code:
    try:
        if r is None or r.fp is None or r.closed:
            raise TypeError
        content = r.read()
    except (AttributeError, TypeError, ValueError):
        content = info.pop('body', b'')
    if a['decompress'] and isinstance(content, bytes) and r is not None and (r.headers.get('content-encoding') or '').lower() == 'gzip':
        import gzip
        content = gzip.decompress(content)
resp = dict(redirected=info['url'] != url)
resp.update(info)
resp.update(elapsed=elapsed, status=int(resp['status']), changed=False)
# As Ansible's JSON result: bytes (an error's body left unread) as text.
uresp = dict((k.replace('-', '_').lower(), v.decode('utf-8', 'replace') if isinstance(v, bytes) else v) for k, v in resp.items())
if 'location' in uresp:
    uresp['location'] = absolute_location(url, uresp['location'])
u_content = None
if isinstance(content, bytes):
    u_content = content.decode(charset, 'replace')
    if maybe_json:
        try:
            uresp['json'] = json.loads(u_content)
        except Exception:
            pass
if a['return_content']:
    uresp['content'] = u_content
if resp['status'] not in status_code:
    uresp['msg'] = 'Status code was %s and not %s: %s' % (resp['status'], status_code, uresp.get('msg', ''))
    done(True, uresp)
done(False, uresp)
`;
