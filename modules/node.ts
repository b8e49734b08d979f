// node: a Node.js release from the official dist layout, in a versioned directory, checksum verified,
// switched in by an atomic `current` symlink, node and npm linked into /usr/local/bin.
import { type Change, type Effect, type FactDef, type Step, defineModule } from '../engine/module.ts';
import { shq } from '../engine/shell.ts';

export type NodeArgs = {
  version: string;
  state?: 'present' | 'absent';
  mirror?: string;
  sha256?: string;
  prefix?: string;
  current?: boolean;
  link?: boolean;
};

export type NodeState = { arch: string; versions: string[]; current?: string; links: { node?: string; npm?: string } };

const ARCH: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64', armv7l: 'armv7l', i686: 'x86' };

export function nodeFact(prefix: string): FactDef<NodeState> {
  const p = shq(prefix);
  return {
    key: `node:${prefix}`,
    script: `uname -m; ls -1 ${p} 2>/dev/null | grep '^v[0-9]' | tr '\\n' ' '; echo; readlink ${p}/current || echo; ` +
      'readlink /usr/local/bin/node || echo; readlink /usr/local/bin/npm || echo',
    parse(out) {
      const [machine, versions = '', current = '', node = '', npm = ''] = out.split('\n');
      return {
        arch: ARCH[machine.trim()] ?? machine.trim(),
        versions: versions.trim().split(' ').filter(Boolean).map((v) => v.slice(1)),
        current: current.trim().replace(/^v/, '') || undefined,
        links: { node: node.trim() || undefined, npm: npm.trim() || undefined },
      };
    },
  };
}

/** Download, verify (a given sha256, else the release's SHASUMS256.txt, else SHASUMS.txt) and unpack. */
const INSTALL = `set -e
base=$1 file=$2 dir=$3 want=$4 algo=sha256
mkdir -p "$(dirname "$dir")"
tmp=$(mktemp -d "$dir.download-XXXXXX"); trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 2 -o "$tmp/$file" "$base/$file" || { echo "cannot download $base/$file" >&2; exit 3; }
if [ -z "$want" ]; then
  if curl -fsSL -o "$tmp/sums" "$base/SHASUMS256.txt"; then :; else algo=sha1; curl -fsSL -o "$tmp/sums" "$base/SHASUMS.txt"; fi
  want=$(grep " $file\\$" "$tmp/sums" | cut -d' ' -f1 | head -1)
  [ -n "$want" ] || { echo "no checksum for $file in the release's SHASUMS" >&2; exit 4; }
fi
got=$($algo"sum" "$tmp/$file" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "checksum mismatch for $file: got $algo $got, expected $want" >&2; exit 5; }
mkdir "$tmp/x" && tar -xzf "$tmp/$file" -C "$tmp/x" --strip-components=1 --no-same-owner
mv -T "$tmp/x" "$dir"`;

/** Switching the node on PATH switches npm: what npm facts said (its version, global prefix, packages) is unknown. */
const NPM_MOVES: Effect[] = [{ prefix: 'npm:', unknown: true }];

export default defineModule<NodeArgs>({
  name: 'node',
  description: 'Install a Node.js release from the official dist layout ({mirror}/v{version}/node-v{version}-linux-{arch}.tar.gz) into PREFIX/vVERSION, checksum verified; switch PREFIX/current atomically; link node and npm into /usr/local/bin. Versions live side by side; an installed version is never downloaded again.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['version'],
    properties: {
      version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$', description: 'a release number like "0.8.28" (no leading v)' },
      state: { enum: ['present', 'absent'], default: 'present' },
      mirror: { type: 'string', pattern: '^https?://[^\\s\'"]+$', default: 'https://nodejs.org/dist', description: 'an http(s) URL' },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: '64 hex digits' },
      prefix: { type: 'string', pattern: '^/[A-Za-z0-9._/-]+$', default: '/opt/node', description: 'an absolute path' },
      current: { type: 'boolean', default: true },
      link: { type: 'boolean', default: true },
    },
  },
  facts: (a) => [nodeFact(a.prefix ?? '/opt/node')],
  plan(a, facts) {
    const prefix = a.prefix ?? '/opt/node';
    const now = facts.get(nodeFact(prefix));
    const dir = `${prefix}/v${a.version}`;
    const installed = now.versions.includes(a.version);
    const after: NodeState = { ...now, versions: [...now.versions], links: { ...now.links } };
    const changes: Change[] = [];
    const key = nodeFact(prefix).key;
    if (a.state === 'absent') {
      if (!installed) return [];
      const steps: Step[] = [{ exec: ['rm', '-rf', '--', dir] }];
      if (now.current === a.version) {
        steps.push({ exec: ['rm', '-f', '--', `${prefix}/current`] });
        for (const bin of ['node', 'npm'] as const) if (now.links[bin]?.startsWith(`${prefix}/current/`)) steps.push({ exec: ['rm', '-f', '--', `/usr/local/bin/${bin}`] });
        after.current = undefined;
        after.links = {};
      }
      after.versions = now.versions.filter((v) => v !== a.version);
      return [{ summary: `remove node v${a.version}`, steps, effects: [{ key, value: after }, ...(now.current === a.version ? NPM_MOVES : [])] }];
    }
    if (!installed) {
      const file = `node-v${a.version}-linux-${now.arch}.tar.gz`;
      const base = `${(a.mirror ?? 'https://nodejs.org/dist').replace(/\/$/, '')}/v${a.version}`;
      changes.push({
        summary: `install node v${a.version} (${now.arch}) from ${base}`,
        steps: [{ exec: ['sh', '-c', INSTALL, 'node-install', base, file, dir, a.sha256 ?? ''] }],
        effects: [],
      });
      after.versions.push(a.version);
    }
    if (a.current !== false && now.current !== a.version) {
      changes.push({
        summary: `switch ${prefix}/current to v${a.version}${now.current ? ` (was v${now.current})` : ''}`,
        steps: [{ exec: ['ln', '-sfn', `v${a.version}`, `${prefix}/current.new`] }, { exec: ['mv', '-T', `${prefix}/current.new`, `${prefix}/current`] }],
        effects: [],
      });
      after.current = a.version;
    }
    if (a.current !== false && a.link !== false) {
      const stale = (['node', 'npm'] as const).filter((b) => now.links[b] !== `${prefix}/current/bin/${b}`);
      if (stale.length) {
        changes.push({
          summary: `link ${stale.map((b) => `/usr/local/bin/${b}`).join(', ')} to ${prefix}/current`,
          steps: stale.map((b) => ({ exec: ['ln', '-sfn', `${prefix}/current/bin/${b}`, `/usr/local/bin/${b}`] })),
          effects: [],
        });
        for (const b of stale) after.links[b] = `${prefix}/current/bin/${b}`;
      }
    }
    // Another node on PATH is another npm, with its own global prefix and packages.
    const moved = after.current !== now.current || after.links.node !== now.links.node || after.links.npm !== now.links.npm;
    if (changes.length) changes[changes.length - 1].effects = [{ key, value: after }, ...(moved ? NPM_MOVES : [])];
    return changes;
  },
});
