// apt_key: an OpenPGP key in apt's keyrings (present or absent) as Ansible 2.14's apt_key does it on Debian 12:
// with the deprecated apt-key (add, del, adv --list-public-keys) and gpg, both needed on the host. With `keyring`
// (a file under /etc/apt/keyrings, say) it makes the keyring a `signed-by` names, the modern way. The key comes
// from `data`, a `file` on the host or a `url` the host downloads; its id, when not given, is read from it by gpg on
// the host, as Ansible does. A keyserver (on the internet, which hosts here do not reach) is refused.
import { createHash } from 'node:crypto';
import { type Change, type Effect, type FactDef, type Facts, defineModule } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';
import { fileFact } from '../facts/files.ts';

export type AptKeyArgs = { id?: string; url?: string; data?: string; file?: string; keyring?: string; validate_certs?: boolean; keyserver?: string; state?: 'present' | 'absent' };

/** The key ids in apt-key's or gpg --with-colons' listing, as Ansible's parse_output_for_keys reads them. */
export function parseKeys(out: string): string[] {
  const found: string[] = [];
  for (const line of out.split('\n')) {
    if (!(line.startsWith('pub') || line.startsWith('sub')) || line.includes('expired')) continue;
    const code = line.trim().split(/\s+/)[1]?.split('/');
    if (code && code.length === 2) found.push(code[1]);
    else if (line.split(':').length > 4) found.push(line.split(':')[4]);
  }
  return found;
}

/** What gpg read (its exit code, the key ids), or what was missing; a download's key (base64) or why it failed. */
type Listing = { missing?: string; rc: number; keys: string[]; data?: string; fail?: string };

const NEEDS = 'for b in apt-key gpg; do command -v $b >/dev/null 2>&1 || { echo "@missing $b"; exit 0; }; done;';
const parseListing = (out: string): Listing => ({
  missing: /^@missing (\S+)$/m.exec(out)?.[1], rc: Number(/^@rc (\d+)$/m.exec(out)?.[1] ?? 0), keys: parseKeys(out),
  ...(/^@data /m.test(out) ? { data: /^@data (\S*)$/m.exec(out)![1] } : {}), ...(/^@fail /m.test(out) ? { fail: /^@fail (.*)$/m.exec(out)![1] } : {}),
});
const ringArgs = (keyring?: string) => (keyring ? ['--keyring', keyring] : []);

/** The keys apt-key lists: of one keyring, or (none given) of trusted.gpg and trusted.gpg.d. */
export function keysFact(keyring?: string): FactDef<Listing> {
  return {
    key: `apt-keys:${keyring ?? ''}`,
    script: `${NEEDS} LC_ALL=C apt-key ${ringArgs(keyring).map(shq).join(' ')} adv --list-public-keys --keyid-format=long 2>/dev/null; echo "@rc $?"`,
    parse: parseListing,
  };
}

/** The key ids gpg reads in inline key data (Ansible's get_key_id_from_data: gpg --with-colons -). */
function dataKeysFact(data: string): FactDef<Listing> {
  return {
    key: `apt-key-data:${createHash('sha256').update(data).digest('hex').slice(0, 24)}`,
    script: `${NEEDS} printf '%s\\n' ${shq(data)} | LC_ALL=C gpg --with-colons - 2>/dev/null; echo "@rc $?"`,
    parse: parseListing,
  };
}

/** The key ids gpg reads in a key file on the host. */
function fileKeysFact(path: string): FactDef<Listing> {
  return {
    key: `apt-key-file:${path}`,
    script: `${NEEDS} LC_ALL=C gpg --with-colons ${shq(path)} 2>/dev/null; echo "@rc $?"`,
    parse: parseListing,
    dependsOn: [fileFact(path).key],
  };
}

/** A keyring apt-key also lists without --keyring (trusted.gpg, trusted.gpg.d/*): its change changes that listing. */
const listedByDefault = (keyring?: string) => keyring !== undefined && /^\/etc\/apt\/(trusted\.gpg$|trusted\.gpg\.d\/[^/]+$)/.test(keyring);

/** What gpg reads in the key given (data or file), whether or not an id is given too. */
const keysGiven = (a: AptKeyArgs) => (a.file ? fileKeysFact(a.file) : a.data !== undefined ? dataKeysFact(a.data)
  : a.url !== undefined ? urlKeysFact(a.url, a.validate_certs !== false) : undefined);
/** Where the id comes from when none is given (Ansible runs gpg on the key only then). */
/** The host downloads a URL (with Python's urllib, as Ansible's fetch_url; proxies from the environment too). */
const DOWNLOAD = [
  'import base64, ssl, sys, urllib.request',
  'try:',
  "    ctx = None if sys.argv[2] == 'yes' else ssl._create_unverified_context()",
  '    print(base64.b64encode(urllib.request.urlopen(sys.argv[1], context=ctx, timeout=60).read()).decode())',
  'except Exception as e:',
  "    print('@fail %s' % str(e).replace('\\n', ' '))",
].join('\n');

/** The key at a URL, downloaded by the host, and the ids gpg reads in it: read only when the plan needs it. */
function urlKeysFact(url: string, validateCerts: boolean): FactDef<Listing> {
  return {
    key: `apt-key-url:${validateCerts ? '' : 'unverified:'}${url}`,
    lazy: true,
    script: `${NEEDS} command -v python3 >/dev/null 2>&1 || { echo "@missing python3"; exit 0; }; `
      + `out=$(python3 -c ${shq(DOWNLOAD)} ${shq(url)} ${validateCerts ? 'yes' : 'no'}); case "$out" in "@fail "*) printf '%s\\n' "$out"; exit 0;; esac; `
      + `echo "@data $out"; printf %s "$out" | base64 -d | LC_ALL=C gpg --with-colons - 2>/dev/null; echo "@rc $?"`,
    parse: parseListing,
  };
}

const sourceFact = (a: AptKeyArgs) => (a.id ? undefined : keysGiven(a));
/**
 * With an 8-digit id, the listing after an add is not known from the id: the key's own ids, read only for --check's
 * prediction when an add is planned (lazy).
 */
const predictFact = (a: AptKeyArgs) => {
  const given = a.id && a.id.replace(/^0[xX]/, '').length === 8 ? keysGiven(a) : undefined;
  return given && { ...given, lazy: true };
};

function need(l: Listing): Listing {
  if (l.missing) throw new Error(`Failed to find required executable "${l.missing}" (apt_key needs apt-key and gpg on the host: install gnupg first, e.g. apt: { name: gnupg })`);
  return l;
}

/** The key's ids as Ansible's parse_key_id splits them, or Ansible's "Invalid key_id". */
function keyIds(a: AptKeyArgs, facts: Facts): { short: string; fpr: string; keyId: string; shortFormat: boolean; fromSource: string[] } {
  let id = a.id;
  let fromSource: string[] = [];
  const src = sourceFact(a);
  if (src) {
    const got = need(facts.get(src));
    if (got.fail !== undefined) throw new Error(`Failed to download key at ${a.url}: ${got.fail}`);
    if (got.rc !== 0) throw new Error(`Unable to extract key from '${a.file ?? 'inline data'}' (gpg exited ${got.rc})`);
    fromSource = got.keys;
    id = got.keys[0];
  }
  let keyId = (id ?? '').toUpperCase();
  if (!/^(0X)?[0-9A-F]+$/.test(keyId)) throw new Error(`Invalid key_id${id === undefined ? ': no id, and no key in data or file to read one from' : ` ${JSON.stringify(id)}`}`);
  if (keyId.startsWith('0X')) keyId = keyId.slice(2);
  if (keyId.length !== 8 && keyId.length !== 16 && keyId.length <= 16) throw new Error('Invalid key_id: key_id must be 8, 16, or 16+ hexadecimal characters in length');
  return { short: keyId.slice(-8), fpr: keyId.length > 16 ? keyId.slice(-16) : keyId, keyId, shortFormat: keyId.length === 8, fromSource };
}

/**
 * Lists the keys again after an add or del, as Ansible does, and fails if the key is not (or still) there: the id
 * given may not be the key's. $1 the id, $2 "short" or "long", $3 "present" or "absent", then apt-key's --keyring.
 */
const VERIFY = [
  'want=$1 format=$2 state=$3; shift 3',
  'LC_ALL=C apt-key "$@" adv --list-public-keys --keyid-format=long 2>/dev/null | awk -v want="$want" -v format="$format" \'',
  '  (substr($0, 1, 3) == "pub" || substr($0, 1, 3) == "sub") && index($0, "expired") == 0 {',
  '    if (split($2, p, "/") == 2) id = p[2]; else if (split($0, c, ":") > 4) id = c[5]; else next',
  '    if (format == "short") id = substr(id, length(id) - 7)',
  '    if (id == want) found = 1',
  '  } END { exit !found }\'',
  'found=$?',
  'if [ "$state" = present ] && [ $found -ne 0 ]; then what="failed to add the key"',
  'elif [ "$state" = absent ] && [ $found -eq 0 ]; then what="the key was not removed"; else exit 0; fi',
  'echo "apt-key did not return an error, but $what (check that the id is correct and *not* a subkey)" >&2; exit 1',
].join('\n');

export default defineModule<AptKeyArgs>({
  name: 'apt_key',
  fqcn: ['ansible.builtin.apt_key', 'ansible.legacy.apt_key'],
  description: 'An OpenPGP key added to or removed from apt\'s keyrings with apt-key (as Ansible 2.14 does), from inline data or a file on the host; keyring names the file (a signed-by keyring).',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: '^(0[xX])?[0-9A-Fa-f]+$', description: 'the key id: 8, 16 or more hexadecimal digits, optionally after 0x' },
      url: { type: 'string', pattern: '^(https?|ftp)://\\S+$', description: 'a URL the host downloads the key from (http, https or ftp), without spaces or line breaks' },
      data: { type: 'string', minLength: 1, maxLength: 65536, description: 'the key itself (armored), up to 64 KiB: gpg on the host reads it from a command line' },
      file: { type: 'string', pattern: '^/', description: 'an absolute path of a key file on the host' },
      // apt-key (a sh script) reads the path back through a command substitution, which drops a trailing newline, and
      // dash's echo, which reads backslashes as escapes: it fails on either, Ansible's too.
      keyring: { type: 'string', pattern: '^/[^\\\\]*[^\\\\\\n]$', description: 'an absolute path of the keyring file (apt-key --keyring), like /etc/apt/keyrings/NAME.gpg, with no backslash and not ending in a newline (apt-key cannot use those)' },
      validate_certs: { type: 'boolean', default: true, description: 'false: an https url\'s certificate is not checked' },
      keyserver: { type: 'string', description: 'not supported: a keyserver is on the internet' },
      state: { enum: ['present', 'absent'], default: 'present' },
    },
  },
  facts(a) {
    const src = sourceFact(a);
    const predict = predictFact(a);
    // A URL is downloaded only when the plan needs its key (lazy), as Ansible downloads it only then.
    const url = a.url !== undefined ? urlKeysFact(a.url, a.validate_certs !== false) : undefined;
    return [keysFact(a.keyring), ...(listedByDefault(a.keyring) ? [keysFact()] : []), ...[src, predict, url].filter((f): f is FactDef<Listing> => !!f)];
  },
  plan(a, facts) {
    const given = (['data', 'file', 'keyserver', 'url'] as const).filter((k) => a[k] !== undefined);
    if (given.length > 1) throw new Error(`parameters are mutually exclusive: ${given.join('|')}`);
    if (a.keyserver !== undefined) throw new Error('keyserver is not supported: a keyserver is on the internet, which hosts here do not reach; give the key as data, file or url');
    const listing = need(facts.get(keysFact(a.keyring)));
    if (listing.rc !== 0) throw new Error(`Unable to list public keys (apt-key exited ${listing.rc})`);
    const { short, fpr, keyId, shortFormat, fromSource } = keyIds(a, facts);
    const keys = shortFormat ? listing.keys.map((k) => k.slice(-8)) : listing.keys;
    const present = (a.state ?? 'present') === 'present';
    const ring = a.keyring ?? '/etc/apt/trusted.gpg';
    const verify = (state: string) => ({ exec: ['sh', '-c', VERIFY, 'apt-key-verify', shortFormat ? short : fpr, shortFormat ? 'short' : 'long', state, ...ringArgs(a.keyring)] });
    // What else lists this keyring: apt-key without --keyring reads trusted.gpg and trusted.gpg.d.
    const unknown = (key: string): Effect => ({ key, unknown: true });
    const others: Effect[] = [unknown(fileFact(ring).key), unknown(`content:${ring}`), unknown(fileFact(`${ring}~`).key)];
    // apt-key without --keyring lists this keyring too (or, without one, writes trusted.gpg, which has its own listing).
    const whole = listedByDefault(a.keyring) ? need(facts.get(keysFact())) : undefined;
    if (a.keyring === undefined) others.push(unknown(keysFact('/etc/apt/trusted.gpg').key));
    const alsoListed = (keys: (all: string[]) => string[]): Effect[] => (whole ? [{ key: keysFact().key, value: { rc: whole.rc, keys: keys(whole.keys) } }] : []);
    const changes: Change[] = [];
    if (present && !keys.includes(shortFormat ? short : fpr)) {
      if (a.file === undefined && a.data === undefined && a.url === undefined) throw new Error(`key ${keyId} is not in ${ring}, and there is nothing to add it from: give data, file or url`);
      let stdin: string | Buffer | undefined = a.data;
      if (a.url !== undefined) {
        const dl = need(facts.get(urlKeysFact(a.url, a.validate_certs !== false)));
        if (dl.fail !== undefined || dl.data === undefined) throw new Error(`Failed to download key at ${a.url}: ${dl.fail ?? 'nothing read'}`);
        stdin = Buffer.from(dl.data, 'base64');
      }
      const add = a.file !== undefined ? { exec: ['apt-key', ...ringArgs(a.keyring), 'add', a.file] } : { exec: ['apt-key', ...ringArgs(a.keyring), 'add', '-'], stdin };
      const predict = predictFact(a);
      const read = predict ? facts.get(predict) : undefined;
      const added = read && read.rc === 0 && read.keys[0]?.endsWith(short) ? read.keys : fromSource.length ? fromSource : shortFormat ? undefined : [fpr];
      const after = added && [...listing.keys, ...added];
      changes.push({
        summary: `add key ${keyId} to ${ring}${a.file !== undefined ? ` from ${a.file}` : a.url !== undefined ? ` from ${a.url}` : ''}`,
        steps: [add, verify('present')],
        effects: [after ? { key: keysFact(a.keyring).key, value: { rc: 0, keys: after } } : unknown(keysFact(a.keyring).key), ...others,
          ...(whole && after ? alsoListed((all) => [...all, ...after.filter((k) => !listing.keys.includes(k))]) : whole ? [unknown(keysFact().key)] : [])],
      });
    } else if (!present && keys.includes(fpr)) {
      const gone = new Set([fpr, ...fromSource]);
      const drop = (k: string) => gone.has(shortFormat ? k.slice(-8) : k);
      changes.push({
        summary: `remove key ${keyId} from ${ring} (apt-key del ${short})`,
        steps: [{ exec: ['apt-key', ...ringArgs(a.keyring), 'del', short] }, verify('absent')],
        effects: [{ key: keysFact(a.keyring).key, value: { rc: 0, keys: listing.keys.filter((k) => !drop(k)) } }, ...others,
          ...alsoListed((all) => all.filter((k) => !(drop(k) && listing.keys.includes(k))))],
      });
    }
    return changes;
  },
  returns(a, facts) {
    const { short, fpr, keyId, shortFormat } = keyIds(a, facts);
    const keys = facts.get(keysFact(a.keyring)).keys;
    return { id: a.id ?? keyId, short_id: short, fp: fpr, key_id: keyId, before: shortFormat ? keys.map((k) => k.slice(-8)) : keys };
  },
});
