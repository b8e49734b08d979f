// meteor: a Meteor release installed the way the official installer does it: the release's bootstrap
// tarball for the host's arch unpacked into ~/.meteor of a user, the launcher put on PATH.
import { type Change, type FactDef, defineModule } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';
import { homeFactPrefix, userFact } from '../facts/accounts.ts';

export type MeteorArgs = { release: string; user?: string; base_url?: string; launcher?: boolean };
export type MeteorState = { home?: string; platform: string; releases: string[]; current?: string };

const PLATFORM: Record<string, string> = { x86_64: 'os.linux.x86_64', i686: 'os.linux.x86_32', aarch64: 'os.linux.aarch64' };

export function meteorFact(user: string): FactDef<MeteorState> {
  const u = shq(user);
  return {
    // A fact about what is in a user's home: `home:USER:` keys are made unknown by the user module when the home moves.
    key: `${homeFactPrefix(user)}meteor`,
    script: `uname -m; h=$(getent passwd ${u} | cut -d: -f6); echo "$h"; ` +
      `ls -1 "$h/.meteor/packages/meteor-tool" 2>/dev/null | tr '\\n' ' '; echo; readlink "$h/.meteor/meteor" || echo`,
    parse(out) {
      const [machine, home, releases = '', current = ''] = out.split('\n');
      return {
        platform: PLATFORM[machine.trim()] ?? `os.linux.${machine.trim()}`,
        home: home.trim() || undefined,
        releases: releases.trim().split(' ').filter(Boolean),
        current: /meteor-tool\/([^/]+)\//.exec(current)?.[1],
      };
    },
  };
}

/** The launcher on PATH is one for the whole host, not one per user: a fact of its own. */
export function meteorLauncherFact(): FactDef<boolean> {
  return { key: 'meteor-launcher', script: '[ -x /usr/local/bin/meteor ] && echo launcher || echo none', parse: (out) => out.trim() === 'launcher' };
}

/** Download and unpack into ~/.meteor beside releases already there; make the release current. */
const INSTALL = `set -e
url=$1 home=$2 user=$3 release=$4 platform=$5
tmp=$(mktemp -d "$home/.meteor-install-XXXXXX"); trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 2 "$url" | tar -xzf - -C "$tmp" -o || { echo "cannot download or unpack $url" >&2; exit 3; }
[ -d "$tmp/.meteor/packages/meteor-tool/$release" ] || { echo "$url holds no meteor-tool $release" >&2; exit 4; }
mkdir -p "$home/.meteor/packages/meteor-tool"
rm -rf "$home/.meteor/packages/meteor-tool/$release"
mv -T "$tmp/.meteor/packages/meteor-tool/$release" "$home/.meteor/packages/meteor-tool/$release"
ln -sfn "packages/meteor-tool/$release/mt-$platform/meteor" "$home/.meteor/meteor.new" && mv -T "$home/.meteor/meteor.new" "$home/.meteor/meteor"
chown -R "$user:" "$home/.meteor"`;

export default defineModule<MeteorArgs>({
  name: 'meteor',
  description: 'Install a Meteor release as the official installer does: {base_url}/packages-bootstrap/{release}/meteor-bootstrap-{platform}.tar.gz unpacked into ~/.meteor of user (releases side by side, the named one current), and the launcher in /usr/local/bin/meteor. Idempotent by the installed release.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['release'],
    properties: {
      release: { type: 'string', pattern: '^[0-9][0-9A-Za-z.-]*$', description: 'a Meteor release like "1.0.3"' },
      user: { type: 'string', pattern: '^[a-z_][a-z0-9_-]*$', default: 'root', description: 'a user name' },
      base_url: { type: 'string', pattern: '^https?://[^\\s\'"]+$', default: 'https://static-meteor.netdna-ssl.com', description: 'an http(s) URL' },
      launcher: { type: 'boolean', default: true },
    },
  },
  // The user too: its home is where the release goes, and a user an earlier task makes is not known in check mode.
  facts: (a) => [userFact(a.user ?? 'root'), meteorFact(a.user ?? 'root'), ...(a.launcher !== false ? [meteorLauncherFact()] : [])],
  plan(a, facts) {
    const user = a.user ?? 'root';
    const now = facts.get(meteorFact(user));
    if (!now.home) throw new Error(`meteor: no user "${user}" on this host`);
    const changes: Change[] = [];
    const after: MeteorState = { ...now, releases: [...now.releases] };
    if (!now.releases.includes(a.release) || now.current !== a.release) {
      const url = `${(a.base_url ?? 'https://static-meteor.netdna-ssl.com').replace(/\/$/, '')}/packages-bootstrap/${a.release}/meteor-bootstrap-${now.platform}.tar.gz`;
      if (!now.releases.includes(a.release)) {
        changes.push({ summary: `install Meteor ${a.release} for ${user} from ${url}`, effects: [],
          steps: [{ exec: ['sh', '-c', INSTALL, 'meteor-install', url, now.home, user, a.release, now.platform] }] });
        after.releases.push(a.release);
      } else {
        const link = `packages/meteor-tool/${a.release}/mt-${now.platform}/meteor`;
        changes.push({ summary: `switch ${user}'s Meteor to ${a.release}${now.current ? ` (was ${now.current})` : ''}`, effects: [],
          steps: [{ exec: ['ln', '-sfn', link, `${now.home}/.meteor/meteor.new`] }, { exec: ['mv', '-T', `${now.home}/.meteor/meteor.new`, `${now.home}/.meteor/meteor`] }] });
      }
      after.current = a.release;
    }
    const launcher = a.launcher !== false && !facts.get(meteorLauncherFact());
    if (launcher) {
      changes.push({ summary: 'install the meteor launcher in /usr/local/bin/meteor', effects: [],
        steps: [{ exec: ['install', '-m', '0755', `${now.home}/.meteor/packages/meteor-tool/${a.release}/mt-${now.platform}/scripts/admin/launch-meteor`, '/usr/local/bin/meteor'] }] });
    }
    if (changes.length) {
      changes[changes.length - 1].effects = [{ key: meteorFact(user).key, value: after }, ...(launcher ? [{ key: meteorLauncherFact().key, value: true }] : [])];
    }
    return changes;
  },
});
