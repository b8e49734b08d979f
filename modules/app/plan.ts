// app: the plan. In order: deploy the release, bring each instance to it (one at a time, each waiting
// for its health check), switch `current`, stop instances beyond the wanted ones, prune old releases.
import { createHash } from 'node:crypto';
import { type UserState, userFact } from '../../facts/accounts.ts';
import type { Change, Facts, PlanContext, Step } from '../../engine/module.ts';
import { type AppInstance, type AppState, appFact } from './facts.ts';
import { GIT_DEPLOY, type GitSource, gitBuildSteps, gitRevFact, gitSub } from './git.ts';
import { rebuildSteps } from './native.ts';
import {
  type AppLayout, DEPLOY, WAIT, envLine, envPath, envText, envVars, foreverRoot, initScript, logPath, systemdUnit, unitName, unitPath,
} from './units.ts';
import { humanSize } from '../copy/content.ts';

export type AppArgs = {
  name: string; root?: string; user: string; bundle?: string; bundle_url?: string; git?: GitSource; release?: string;
  instances: number; base_port: number; env?: Record<string, string>; keep_releases?: number;
  forever?: string; node?: string; health_path?: string; health_timeout?: number; rollback?: boolean; rebuild_native?: boolean;
};

const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
export const rootOf = (a: AppArgs) => a.root ?? `/srv/${a.name}`;

/** The release to run and releases.log after this run; the bundle bytes when it must be uploaded. */
function target(a: AppArgs, now: AppState, facts: Facts, ctx: PlanContext): { release: string; log: string[]; bytes?: Buffer; commit?: string } {
  if (a.rollback) {
    const cur = now.current;
    if (!cur) throw new Error(`app ${a.name}: rollback: no release is current yet`);
    const i = now.log.lastIndexOf(cur);
    let j = i - 1;
    while (j >= 0 && now.log[j] === cur) j--;
    if (i < 0 || j < 0) throw new Error(`app ${a.name}: rollback: releases.log has no release before ${cur}`);
    const prev = now.log[j];
    if (!now.releases.includes(prev)) throw new Error(`app ${a.name}: rollback: release ${prev} is no longer in ${rootOf(a)}/releases`);
    // The rolled-back release leaves the history: a second rollback goes one further back.
    return { release: prev, log: now.log.slice(0, j + 1) };
  }
  let bytes: Buffer | undefined;
  let commit: string | undefined;
  let release = a.release;
  if (a.git) {
    const rev = facts.get(gitRevFact(a.git));
    if (!rev.commit) throw new Error(`app ${a.name}: git ${a.git.repo} at ${a.git.version}: ${rev.error ?? 'cannot resolve the version'}`);
    if (!/^[0-9a-f]{40}$/.test(rev.commit)) throw new Error(`app ${a.name}: git: "${rev.commit}" is not a commit`);
    commit = rev.commit;
    release = commit.slice(0, 12);
  }
  if (a.bundle && (!release || !now.releases.includes(release))) {
    bytes = ctx.readLocal(a.bundle);
    release ??= sha256(bytes).slice(0, 12);
  }
  if (!release) throw new Error(`app ${a.name}: a bundle_url needs a release id`);
  return { release, log: now.current === release ? now.log : [...now.log, release], bytes, commit };
}

/** Names of the variables that differ between an env file on the host and the wanted lines. */
function envNamesChanged(have: AppInstance['env'], want: Array<[string, string]>): string[] {
  if (!have) return [];
  const w = new Map(want.map((kv) => [kv[0], sha256(envLine(kv))]));
  const names = new Set([...w.keys(), ...Object.keys(have.keys)]);
  return [...names].filter((k) => w.get(k) !== have.keys[k]).sort();
}

export function planApp(a: AppArgs, facts: Facts, ctx: PlanContext): Change[] {
  const root = rootOf(a);
  const now = facts.get(appFact(a.name, root));
  const user = facts.get<UserState>(userFact(a.user));
  if (!user.exists) throw new Error(`app ${a.name}: no user "${a.user}" on this host (create it first with the user module)`);
  const last = a.base_port + a.instances - 1;
  if (last > 65535) throw new Error(`app ${a.name}: ports ${a.base_port}..${last} go past 65535`);
  if (a.env && 'PORT' in a.env) throw new Error(`app ${a.name}: env PORT is set per instance (base_port + n): leave it out of env`);
  const l: AppLayout = { name: a.name, root, user: a.user, node: a.node ?? '/usr/local/bin/node', forever: a.forever ?? '/usr/local/bin/forever' };
  const sysv = now.init === 'sysv';
  const t = target(a, now, facts, ctx);
  const rel = t.release;
  const changes: Change[] = [];

  // (1) the release's files: staged in releases/ID.tmp (unpacked, exported or built), its native npm packages
  // rebuilt for the host's Node, then renamed into place; a failure at any step leaves no releases/ID.
  if (!now.releases.includes(rel)) {
    if (a.rollback) throw new Error(`app ${a.name}: release ${rel} is missing`);
    const staged = `${root}/releases/${rel}.tmp`;
    const steps: Step[] = [];
    if (t.bytes) {
      const tgz = `/tmp/provision-app-${a.name}-${rel}.tgz`;
      steps.push({ write: { path: tgz, content: t.bytes, mode: '0600' } }, { exec: ['sh', '-c', DEPLOY, 'app-deploy', tgz, root, rel, a.user] });
    } else if (t.commit) {
      const g = a.git!;
      steps.push({ exec: ['sh', '-c', GIT_DEPLOY, 'app-git-deploy', g.repo, t.commit, root, rel, a.user, gitSub(g), g.build ? 'checkout' : 'export'] });
      if (g.build) steps.push(...gitBuildSteps(root, rel, t.commit, a.user, l.node, g));
    } else steps.push({ exec: ['sh', '-c', DEPLOY, 'app-deploy', a.bundle_url!, root, rel, a.user] });
    const rebuild = a.rebuild_native ?? true;
    if (rebuild) steps.push(...rebuildSteps(root, staged, rel, a.user, l.node));
    steps.push({ exec: ['mv', '-T', staged, `${root}/releases/${rel}`] });
    const from = t.bytes ? `(${humanSize(t.bytes.length)})`
      : t.commit ? `from ${a.git!.repo} ${a.git!.version}${a.git!.build ? `, built by \`${a.git!.build}\`` : ''}` : `from ${a.bundle_url}`;
    changes.push({ summary: `deploy release ${rel} ${from}${rebuild ? `, its native npm packages rebuilt for ${l.node}` : ''}`, steps, effects: [] });
  }

  // (2) the instances, in port order, one at a time
  const wanted: AppInstance[] = [];
  const dirs: Step = { exec: ['install', '-d', '-m', '0755', root, `${root}/shared`, `${root}/shared/env`] };
  const userDirs: Step = { exec: ['install', '-d', '-o', a.user, '-m', '0755', `${root}/shared/log`, foreverRoot(l)] };
  for (let port = a.base_port; port <= last; port++) {
    const have = now.instances.find((i) => i.port === port);
    const vars = envVars(l, port, a.env ?? {});
    const env = envText(l, port, a.env ?? {});
    const unit = sysv ? initScript(l, port, rel) : systemdUnit(l, port, rel);
    const after: AppInstance = { port, unit: sha256(unit), release: rel, active: true, enabled: true,
      env: { sha256: sha256(env), owner: `${a.user}:600`, keys: Object.fromEntries(vars.map((kv) => [kv[0], sha256(envLine(kv))])) } };
    wanted.push(after);
    const envOk = have?.env?.sha256 === after.env!.sha256 && have.env.owner === after.env!.owner;
    const unitOk = have?.unit === after.unit;
    if (envOk && unitOk && have!.active && have!.enabled) continue;
    const n = unitName(l, port);
    const steps: Step[] = [];
    steps.push(dirs, userDirs);
    if (!envOk) steps.push({ write: { path: envPath(l, port), content: env, mode: '0600', owner: a.user } });
    if (!unitOk) steps.push({ write: { path: unitPath(l, port, sysv), content: unit, mode: sysv ? '0755' : '0644' } });
    if (!sysv && !unitOk) steps.push({ exec: ['systemctl', 'daemon-reload'] });
    if (!have?.enabled || !unitOk) {
      steps.push(...(sysv ? [{ exec: ['update-rc.d', n, 'defaults'] }, { exec: ['update-rc.d', n, 'enable'] }] : [{ exec: ['systemctl', 'enable', '--quiet', `${n}.service`] }]));
    }
    const restart = !envOk || !unitOk || !have!.active;
    if (restart) {
      steps.push({ exec: sysv ? [unitPath(l, port, true), 'restart'] : ['systemctl', 'restart', `${n}.service`] },
        // The check is a file (rewritten each time it is used), so a failure names it, not a whole script.
        { write: { path: `${root}/shared/wait-healthy`, content: WAIT, mode: '0755' } },
        { exec: [`${root}/shared/wait-healthy`, n, String(port), a.health_path ?? '/ping', String(a.health_timeout ?? 30), logPath(l, port)],
          awaits: `${n} answering ${a.health_path ?? '/ping'}` });
    }
    const names = envNamesChanged(have?.env, vars);
    const notes: string[] = [];
    if (!have?.unit) notes.push(`start ${n} on release ${rel}`);
    else if (have.release !== rel) notes.push(`restart ${n} on release ${rel} (was ${have.release ?? 'unknown'})`);
    else if (!unitOk) notes.push(`restart ${n} on release ${rel} (its unit changed)`);
    else if (!envOk) notes.push(`restart ${n}`);
    else if (!have.active) notes.push(`start ${n} on release ${rel} (it was stopped)`);
    else notes.push(`enable ${n} at boot`);
    if (have?.unit && names.length) notes.push(`env ${names.join(', ')} changed`);
    changes.push({ summary: notes.join(', '), steps, effects: [] });
  }

  // (3) current, once the instances run the release
  if (now.current !== rel) {
    changes.push({
      summary: `${a.rollback ? 'roll back: ' : ''}switch current to ${rel}${now.current ? ` (was ${now.current})` : ''}`,
      steps: [{ exec: ['ln', '-sfn', `releases/${rel}`, `${root}/current.new`] }, { exec: ['mv', '-T', `${root}/current.new`, `${root}/current`] },
        { write: { path: `${root}/releases.log`, content: t.log.map((r) => `${r}\n`).join(''), mode: '0644' } }],
      effects: [],
    });
  }

  // (4) scale down: every instance of this app outside base_port .. base_port+instances-1
  for (const i of now.instances.filter((x) => x.port < a.base_port || x.port > last)) {
    const n = unitName(l, i.port);
    const steps: Step[] = [];
    if (i.unit) {
      steps.push(...(sysv ? [{ exec: [unitPath(l, i.port, true), 'stop'] }, { exec: ['update-rc.d', '-f', n, 'remove'] }]
        : [{ exec: ['systemctl', 'disable', '--now', '--quiet', `${n}.service`] }]), { exec: ['rm', '-f', '--', unitPath(l, i.port, sysv)] });
      if (!sysv) steps.push({ exec: ['systemctl', 'daemon-reload'] });
    }
    steps.push({ exec: ['rm', '-f', '--', envPath(l, i.port)] });
    changes.push({ summary: i.unit ? `stop ${n}` : `remove the env file of ${n}`, steps, effects: [] });
  }

  // (5) prune: keep the newest keep_releases (by releases.log), always current and the one before it
  const releases = [...new Set([...now.releases, rel])].sort();
  const rank = (r: string) => t.log.lastIndexOf(r);
  const keep = new Set([...releases].sort((x, y) => rank(y) - rank(x) || (x < y ? 1 : -1)).slice(0, a.keep_releases ?? 5));
  keep.add(rel);
  const before = t.log.slice(0, t.log.lastIndexOf(rel)).reverse().find((r) => r !== rel);
  if (before) keep.add(before);
  for (const r of releases.filter((x) => !keep.has(x))) {
    changes.push({ summary: `remove old release ${r}`, steps: [{ exec: ['rm', '-rf', '--', `${root}/releases/${r}`] }], effects: [] });
  }

  if (changes.length) {
    const state: AppState = { init: now.init, current: rel, releases: releases.filter((r) => keep.has(r)), log: t.log, instances: wanted };
    changes[changes.length - 1].effects = [{ key: appFact(a.name, root).key, value: state }];
  }
  return changes;
}
