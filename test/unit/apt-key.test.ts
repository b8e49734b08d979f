// apt_key's reading of key listings and ids (modules/apt-key.ts), with Ansible's own apt_key as the oracle:
// its parse_output_for_keys on apt-key's and gpg --with-colons' listings (expired keys, subkeys, odd lines), and
// its parse_key_id on ids of each length, run by /usr/bin/python3 importing ansible.modules.apt_key; and the plan
// on an id Ansible refuses.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Facts } from '../../engine/module.ts';
import aptKey, { parseKeys } from '../../modules/apt-key.ts';

const LISTINGS = [
  // apt-key adv --list-public-keys --keyid-format=long, as on Debian 12
  `Executing: /tmp/apt-key-gpghome.x/gpg.1.sh --list-public-keys --keyid-format=long
/etc/apt/trusted.gpg.d/debian-archive-bookworm-automatic.gpg
-------------------------------------------------------------
pub   rsa4096/0E98404D386FA1D9 2021-01-17 [SC] [expires: 2029-01-15]
      1F89983E0081FDE018F3CC9673A4F27B8DD47936
uid                 [ unknown] Debian Archive Automatic Signing Key (11/bullseye) <ftpmaster@debian.org>
sub   rsa4096/6ED0E7B82643E131 2021-01-17 [S] [expires: 2029-01-15]

pub   rsa2048/1111222233334444 2010-01-01 [SC] [expired: 2012-01-01]
pub   ed25519/764F86C5CD4FA43A 2026-12-04 [SC]
sub   cv25519/AAAABBBBCCCCDDDD 2026-12-04 [E]
pubkey line without a slash
sub
`,
  // gpg --with-colons FILE
  `pub:-:255:22:764F86C5CD4FA43A:1796369623:::-:::scSC::::::23::0:
fpr:::::::::DB665153FE6654B4CA83C9B5764F86C5CD4FA43A:
uid:-::::1796369623::AB12::Provision Test <test@provision.invalid>::::::::::0:
sub:-:255:18:AAAABBBBCCCCDDDD:1796369623::::::e::::::18:
pub:e:2048:1:1111222233334444:1262304000:1325376000::-:::sc::::::23::0:
`,
  '',
  'pub\nsub: too:few\npub a/b/c\n',
];
const IDS = ['764F86C5CD4FA43A', '0x764f86c5cd4fa43a', 'CD4FA43A', '0XCD4FA43A', 'DB665153FE6654B4CA83C9B5764F86C5CD4FA43A', '0123456789AB', 'ABC', '0123456789ABCDEF01'];

const PY = String.raw`
import json, sys
from ansible.modules.apt_key import parse_output_for_keys, parse_key_id
c = json.load(sys.stdin)
ids = []
for i in c['ids']:
    try: ids.append(list(parse_key_id(i)))
    except ValueError: ids.append('Invalid key_id')
json.dump({'keys': [parse_output_for_keys(o) for o in c['listings']], 'ids': ids}, sys.stdout)
`;

const theirs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify({ listings: LISTINGS, ids: IDS }), encoding: 'utf8' })) as
  { keys: string[][]; ids: Array<string[] | string> };

test('the keys of each listing are the ones Ansible reads', () => {
  assert.equal(LISTINGS.map(parseKeys), theirs.keys);
  assert.equal(theirs.keys[0], ['0E98404D386FA1D9', '6ED0E7B82643E131', '764F86C5CD4FA43A', 'AAAABBBBCCCCDDDD'], 'the expired key is left out');
});

test('each id is split, or refused, as Ansible\'s parse_key_id does', () => {
  IDS.forEach((id, i) => {
    const facts: Facts = { get: <T>() => ({ rc: 0, keys: [] }) as T };
    let ours: string[] | string;
    try {
      const r = aptKey.returns!({ id, data: 'x' }, facts);
      ours = [r.short_id, r.fp, r.key_id] as string[];
    } catch (err) {
      ours = (err as Error).message.startsWith('Invalid key_id') ? 'Invalid key_id' : (err as Error).message;
    }
    assert.equal(ours, theirs.ids[i], id);
  });
});

test.run();
