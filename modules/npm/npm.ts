// npm: global or local packages at versions, for the node the host runs. When the host's npm is too old
// for today's registry (npm 1.x/2.x, as Node 0.8 ships) or `offline: true`, packages are resolved and
// packed on the controller and uploaded; otherwise plain `npm install` runs on the host.
import { type Change, type FactDef, type Step, defineModule } from '../../engine/module.ts';
import { shq } from '../../engine/shell.ts';

export type NpmArgs = { name: string | string[]; state?: 'present' | 'absent'; global?: boolean; path?: string; offline?: boolean | 'auto'; registry?: string };
export type NpmState = { npm?: string; node?: string; root?: string; bin?: string; pkgs: Record<string, string> };

// Every `npm` command costs the host ~150 ms of startup, so the fact runs none in the usual case: one node
// process, started the way npm starts its own (npm 1.x: `dirname $0`/node; later: node from PATH), reads
// npm's version from its package.json, takes npm's default global prefix (PREFIX, else two levels above
// the node binary: up to npm 6 the node found on PATH as invoked, symlinks kept; from npm 7 the resolved
// process.execPath; under DESTDIR) and lists the packages. When anything may set the prefix otherwise
// (npm_config_* variables, a prefix line in an npmrc), it asks `npm prefix -g` instead.
const LIST = 'var fs=require("fs"),P=require("path"),a=process.argv,e=process.env,d=P.resolve(P.dirname(a[1]),".."),o={},r,b,g=a[3];'
  + 'function rc(f){try{return /^\\s*prefix\\s*=/m.test(fs.readFileSync(f,"utf8"))}catch(x){return false}}'
  + 'var v=JSON.parse(fs.readFileSync(d+"/package.json","utf8")).version;'
  + 'if(a[2]){r=a[2]+"/node_modules";b=r+"/.bin"}else{if(!g){var z=e.PREFIX||P.dirname(P.dirname(parseInt(v,10)<7&&a[4]||process.execPath));if(!e.PREFIX&&e.DESTDIR)z=P.join(e.DESTDIR,z);'
  + 'if(Object.keys(e).some(function(k){return /^npm_config_/i.test(k)})||rc(d+"/npmrc")||rc((e.HOME||"")+"/.npmrc")||rc(z+"/etc/npmrc")){console.log("ask");process.exit(0)}g=z}'
  + 'r=g+"/lib/node_modules";b=g+"/bin"}'
  + 'try{fs.readdirSync(r).forEach(function(x){try{o[x]=JSON.parse(fs.readFileSync(r+"/"+x+"/package.json","utf8")).version}catch(y){}})}catch(y){}'
  + 'console.log(JSON.stringify({npm:v,node:process.version,root:r,bin:b,pkgs:o}))';

export function npmFact(path?: string): FactDef<NpmState> {
  const list = (g: string) => `"$x" -e ${shq(LIST)} "$f" ${shq(path ?? '')} ${g} "$(command -v "$x")"`;
  return {
    key: `npm:${path ?? 'global'}`,
    script: `export PATH="$PATH:/usr/local/bin"; command -v node >/dev/null && command -v npm >/dev/null || { echo '{"pkgs":{}}'; exit 0; }; `
      + `n=$(command -v npm); f=$(readlink -f "$n"); case $(head -n 1 "$f") in '#!/bin/sh'*) x="$(dirname "$n")/node" ;; *) x=node ;; esac; `
      + `o=$(${list("''")}); if [ "$o" = ask ]; then o=$(${list('"$(npm prefix -g 2>/dev/null)"')}); fi; printf '%s\\n' "$o"`,
    parse: (out) => JSON.parse(out.trim().split('\n').pop() || '{"pkgs":{}}') as NpmState,
  };
}

/** Unpacks a controller-made package into ROOT/NAME (replacing it whole), links its bins (on PATH too when global). */
const UNPACK = `set -e
tgz=$1 root=$2 name=$3 bindir=$4 global=$5; shift 5
mkdir -p "$root" "$bindir"
tmp=$(mktemp -d "$root/.provision-XXXXXX"); trap 'rm -rf "$tmp" "$tgz"' EXIT
tar -xzf "$tgz" -C "$tmp" --no-same-owner
if [ -e "$root/$name" ]; then mv -T "$root/$name" "$tmp/old"; fi
mv -T "$tmp/$name" "$root/$name"
while [ $# -gt 1 ]; do chmod +x "$root/$name/$2"; ln -sfn "$root/$name/$2" "$bindir/$1"; if [ "$global" = yes ] && [ "$bindir" != /usr/local/bin ]; then ln -sfn "$root/$name/$2" "/usr/local/bin/$1"; fi; shift 2; done`;

/** Links a global package's bins into /usr/local/bin (read from its package.json with the host's node). */
const LINK_BINS = `set -e
root=$1 name=$2
node -e 'var p=require(process.argv[1]+"/package.json"),b=p.bin||{};if(typeof b=="string"){var o={};o[p.name.replace(/^@[^/]+[/]/,"")]=b;b=o}Object.keys(b).forEach(function(k){console.log(k+" "+b[k])})' "$root/$name" |
while read -r bin path; do chmod +x "$root/$name/$path"; ln -sfn "$root/$name/$path" "/usr/local/bin/$bin"; done`;

const major = (v?: string) => Number((v ?? '0').split('.')[0]);
const split = (spec: string) => {
  const m = /^(@?[^@]+)(?:@(.+))?$/.exec(spec)!;
  return { name: m[1], version: m[2] };
};

export default defineModule<NpmArgs>({
  name: 'npm',
  description: 'Install or remove npm packages (name or name@version), globally or in a project path. offline (default auto: when the host runs npm 1.x or 2.x, which cannot use today\'s registry): packages are resolved and packed on this machine, uploaded and unpacked, bins linked into npm\'s bin and /usr/local/bin.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: {
        anyOf: [{ type: 'string', pattern: '^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(@[0-9A-Za-z.^~<>=| -]+)?$' },
          { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*(@[0-9A-Za-z.^~<>=| -]+)?$' } }],
        description: 'a package name, optionally @version',
      },
      state: { enum: ['present', 'absent'], default: 'present' },
      global: { type: 'boolean', default: true },
      path: { type: 'string', pattern: '^/[A-Za-z0-9._/-]+$', description: 'an absolute project directory' },
      offline: { anyOf: [{ type: 'boolean' }, { const: 'auto' }], default: 'auto' },
      registry: { type: 'string', pattern: '^https?://[^\\s\'"]+$', description: 'an http(s) URL' },
    },
  },
  facts: (a) => [npmFact(a.global === false ? a.path : undefined)],
  plan(a, facts, ctx) {
    if (a.global === false && !a.path) throw new Error('npm: a local install (global: false) needs path');
    const now = facts.get(npmFact(a.global === false ? a.path : undefined));
    if (!now.npm) throw new Error('npm: no node/npm on this host: install one first (the node module)');
    const offline = a.offline === true || ((a.offline ?? 'auto') === 'auto' && major(now.npm) < 3);
    const why = a.offline === true ? 'offline: true' : `the host's npm ${now.npm} is too old for today's registry`;
    const specs = (Array.isArray(a.name) ? a.name : [a.name]).map(split);
    const pkgs = { ...now.pkgs };
    const changes: Change[] = [];
    const root = now.root!;
    const bindir = now.bin ?? '/usr/local/bin';
    for (const s of specs) {
      const have = now.pkgs[s.name];
      if (a.state === 'absent') {
        if (!have) continue;
        delete pkgs[s.name];
        changes.push({ summary: `remove ${s.name} ${have}`, effects: [],
          steps: offline ? [{ exec: ['rm', '-rf', '--', `${root}/${s.name}`] }] : [{ exec: ['npm', 'uninstall', ...(a.global === false ? [] : ['-g']), s.name], cwd: a.path }] });
        continue;
      }
      if (have && (!s.version || have === s.version)) continue;
      if (offline) {
        const pack = ctx.npmPack(s.version ? `${s.name}@${s.version}` : s.name);
        if (have === pack.version) continue;
        const tgz = `/tmp/provision-npm-${pack.sha256.slice(0, 16)}.tgz`;
        const bins = Object.entries(pack.bins).flat();
        const steps: Step[] = [{ write: { path: tgz, content: pack.tarball, mode: '0600' } },
          { exec: ['sh', '-c', UNPACK, 'npm-unpack', tgz, root, pack.name, bindir, a.global === false ? 'no' : 'yes', ...bins] }];
        changes.push({ summary: `install ${pack.name} ${pack.version}${have ? ` (was ${have})` : ''}, packed on this machine (${why})`, steps, effects: [] });
        pkgs[pack.name] = pack.version;
      } else {
        const steps: Step[] = [{ exec: ['npm', 'install', ...(a.global === false ? [] : ['-g']), ...(a.registry ? ['--registry', a.registry] : []),
          s.version ? `${s.name}@${s.version}` : s.name], cwd: a.path }];
        // A global package's commands on PATH, as offline installs do, wherever this node's npm puts them.
        if (a.global !== false && bindir !== '/usr/local/bin') steps.push({ exec: ['sh', '-c', LINK_BINS, 'npm-link-bins', root, s.name] });
        changes.push({ summary: `npm install ${s.name}${s.version ? `@${s.version}` : ''}${have ? ` (was ${have})` : ''}`, effects: [], steps });
        if (s.version) pkgs[s.name] = s.version;
      }
    }
    const known = specs.every((s) => a.state === 'absent' || offline || s.version);
    if (changes.length) changes[changes.length - 1].effects = [known ? { key: npmFact(a.global === false ? a.path : undefined).key, value: { ...now, pkgs } }
      : { key: npmFact(a.global === false ? a.path : undefined).key, unknown: true }];
    return changes;
  },
});
