// app: a Meteor bundle deployed Capistrano-style (ROOT/releases/ID, ROOT/current), run as `instances`
// copies under forever on ports base_port.., each a systemd unit (or an init script), restarted one at a
// time behind a health check. The plan is in plan.ts, the facts in facts.ts, the texts in units.ts, a git
// source (and its build) in git.ts, the rebuild of a new release's native npm packages in native.ts.
import { userFact } from '../../facts/accounts.ts';
import { defineModule } from '../../engine/module.ts';
import { appFact } from './facts.ts';
import { gitRevFact, gitSchema } from './git.ts';
import { type AppArgs, planApp, rootOf } from './plan.ts';
import { accountNameSchema } from '../group.ts';

const absPath = { type: 'string', pattern: '^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$', maxLength: 200, description: 'an absolute path (letters, digits, . _ -; no component starting with a dot)' } as const;

export default defineModule<AppArgs>({
  name: 'app',
  description: 'Deploy a Meteor bundle (a local tarball, a URL, or a git repo at a branch, tag or commit: git.repo, git.version, git.path, built on the host by git.build when given) into ROOT/releases/ID with a ROOT/current symlink, keeping keep_releases; its native npm packages rebuilt for the host\'s Node first (rebuild_native); run `instances` copies under forever on ports base_port.. as systemd units (or init scripts), with PORT and env (values written only to 0600 env files, never shown); restart only instances whose release or env changed, one at a time, each waiting for health_path to answer 200; scale up or down; rollback: true returns to the release before current.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'user', 'instances', 'base_port'],
    properties: {
      name: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 40, description: 'lower-case letters, digits and -, starting with a letter' },
      root: absPath,
      user: accountNameSchema,
      bundle: { type: 'string', minLength: 1, description: 'a local path of a bundle tarball' },
      bundle_url: { type: 'string', pattern: '^https?://[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$', description: 'an http(s) URL' },
      git: { ...gitSchema, description: 'a git repo (http(s) URL or absolute path on the host) at a version; the release id is its commit (12 hex)' },
      release: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)*$', maxLength: 64, description: 'a release id: letters, digits, . _ - (not starting with one of them)' },
      instances: { type: 'integer', minimum: 0, maximum: 100 },
      base_port: { type: 'integer', minimum: 1024, maximum: 65535 },
      env: {
        type: 'object',
        propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$', description: 'names of environment variables (A-Z, 0-9, _, not starting with a digit)' },
        additionalProperties: { type: 'string', pattern: '^[^\\n\\r\\u0000]*$', description: 'a string on one line' },
      },
      keep_releases: { type: 'integer', minimum: 2, default: 5 },
      forever: absPath,
      node: absPath,
      health_path: { type: 'string', pattern: '^/[A-Za-z0-9._~/?=&%-]*$', default: '/ping', description: 'a URL path like /ping' },
      health_timeout: { type: 'integer', minimum: 1, maximum: 600, default: 30 },
      rollback: { type: 'boolean', default: false },
      rebuild_native: {
        type: 'boolean', default: true,
        description: 'rebuild a new release\'s native npm packages (those with a binding.gyp under the bundle\'s server node_modules) for the host\'s Node before any instance runs it: `npm rebuild NAME` with the npm beside `node`, as `user`; a failed build fails the deploy and the release is not kept',
      },
    },
    // One of bundle, bundle_url, git, or rollback: true; a bundle_url names its release, a git source's is its commit.
    allOf: [
      { if: { required: ['bundle_url'] }, then: { required: ['release'], properties: { bundle: { type: 'null', description: 'left out when bundle_url is given (a bundle or a bundle_url, not both)' } } } },
      { if: { required: ['git'] }, then: { properties: {
        bundle: { type: 'null', description: 'left out when git is given (one of bundle, bundle_url, git)' },
        bundle_url: { type: 'null', description: 'left out when git is given (one of bundle, bundle_url, git)' },
        release: { type: 'null', description: 'left out when git is given (the release id is the commit)' } } } },
      { if: { properties: { rollback: { const: false } } }, then: { anyOf: [{ required: ['bundle'] }, { required: ['bundle_url'] }, { required: ['git'] }] } },
    ],
  },
  // A rollback needs no source: the git repo is not asked then.
  facts: (a) => [appFact(a.name, rootOf(a)), userFact(a.user), ...(a.git && !a.rollback ? [gitRevFact(a.git)] : [])],
  plan: (a, facts, ctx) => planApp(a, facts, ctx),
  // A rollback is an action: planned again, it would go one release further back.
  verifiable: (a) => !a.rollback,
});
