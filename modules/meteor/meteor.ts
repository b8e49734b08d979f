// meteor: a Meteor 0.6 release installed as Meteor's installer did it: the release's bootstrap tarball
// ({base_url}/bootstrap/{release}/meteor-bootstrap-{Linux_x86_64}.tar.gz) unpacked and moved whole to ~/.meteor of a
// user, the launcher (~/.meteor/tools/latest/launch-meteor) copied to /usr/local/bin/meteor. More releases go beside
// it piece by piece, as the tool itself added them, and the named one becomes the latest. The layout and scripts are
// in warehouse.ts.
import { type Change, defineModule } from '../../engine/module.ts';
import { userFact } from '../../facts/accounts.ts';
import { ADD, AS_USER, BOOTSTRAP, PLATFORMS, SWITCH, type WarehouseState, launcherFact, warehouseFact } from './warehouse.ts';

export type MeteorArgs = { release: string; user?: string; base_url?: string; launcher?: boolean };

/** Where install.meteor.com's script fetched bootstrap tarballs (the launcher asked install-bootstrap.meteor.com, which named it). */
export const DEFAULT_BASE_URL = 'https://warehouse.meteor.com';

export const bootstrapUrl = (base: string, release: string, platform: string) =>
  `${base.replace(/\/$/, '')}/bootstrap/${release}/meteor-bootstrap-${platform}.tar.gz`;

export default defineModule<MeteorArgs>({
  name: 'meteor',
  description: 'Install a Meteor 0.6 release as Meteor\'s installer did: {base_url}/bootstrap/{release}/meteor-bootstrap-{Linux_x86_64|Linux_i686}.tar.gz unpacked and moved whole to ~/.meteor of user (the warehouse: tools/, packages/, releases/ with the release manifest, and the meteor link), the launcher copied from ~/.meteor/tools/latest/launch-meteor to /usr/local/bin/meteor. Further releases go beside it (the pieces the warehouse lacks, the manifest last) and the named release becomes the latest. Idempotent by the release manifest and the pieces it names.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['release'],
    properties: {
      release: { type: 'string', pattern: '^[0-9][0-9A-Za-z.-]*$', description: 'a Meteor release like "0.6.5.2"' },
      user: { type: 'string', pattern: '^[a-z_][a-z0-9_-]*$', default: 'root', description: 'a user name' },
      base_url: { type: 'string', pattern: '^https?://[^\\s\'"]+$', default: DEFAULT_BASE_URL, description: 'an http(s) URL' },
      launcher: { type: 'boolean', default: true },
    },
  },
  // The user too: its home is where the warehouse goes, and a user an earlier task makes is not known in check mode.
  facts: (a) => [userFact(a.user ?? 'root'), warehouseFact(a.user ?? 'root'), ...(a.launcher !== false ? [launcherFact()] : [])],
  plan(a, facts) {
    const user = a.user ?? 'root';
    const now = facts.get(warehouseFact(user));
    if (!now.home) throw new Error(`meteor: no user "${user}" on this host`);
    if (!PLATFORMS.includes(now.platform)) {
      throw new Error(`meteor: Meteor ${a.release} has no build for ${now.platform}: Meteor 0.6 supports Linux on i686 and x86_64 only (its launcher refuses the rest)`);
    }
    const home = now.home;
    const w = `${home}/.meteor`;
    const url = bootstrapUrl(a.base_url ?? DEFAULT_BASE_URL, a.release, now.platform);
    const asUser = (script: string, ...args: string[]) => ({ exec: ['sh', '-c', AS_USER, 'meteor', user, home, script, ...args] });
    const changes: Change[] = [];
    const after: WarehouseState = { ...now, releases: [...now.releases] };
    if (!now.warehouse) {
      changes.push({ summary: `install Meteor ${a.release} for ${user} from ${url}`, effects: [], steps: [asUser(BOOTSTRAP, url, w)] });
      Object.assign(after, { warehouse: true, runnable: true, latest: a.release, releases: [a.release] });
    } else if (!now.runnable) {
      throw new Error(`meteor: ${w} exists, but ${w}/meteor is not executable: remove it and try again (Meteor's launcher refuses it too)`);
    } else if (!now.releases.includes(a.release)) {
      changes.push({ summary: `add Meteor ${a.release} for ${user} beside ${now.releases.join(', ') || 'nothing whole'}, from ${url}`, effects: [],
        steps: [asUser(ADD, url, w, a.release)] });
      after.releases = [...now.releases, a.release].sort();
    }
    if (after.latest !== a.release) {
      changes.push({ summary: `make Meteor ${a.release} the latest for ${user}${after.latest ? ` (was ${after.latest})` : ''}`, effects: [],
        steps: [asUser(SWITCH, w, a.release)] });
      after.latest = a.release;
    }
    const launcher = a.launcher !== false && !facts.get(launcherFact());
    if (launcher) {
      // As install-engine.sh: `cp ~/.meteor/tools/latest/launch-meteor /usr/local/bin/meteor` (the mode comes with it).
      changes.push({ summary: 'install the meteor launcher in /usr/local/bin/meteor', effects: [],
        steps: [{ exec: ['rm', '-f', '/usr/local/bin/meteor'] }, { exec: ['cp', `${w}/tools/latest/launch-meteor`, '/usr/local/bin/meteor'] }] });
    }
    if (changes.length) {
      changes[changes.length - 1].effects = [{ key: warehouseFact(user).key, value: after }, ...(launcher ? [{ key: launcherFact().key, value: true }] : [])];
    }
    return changes;
  },
});
