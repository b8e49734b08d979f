// Bundle tarballs of the test app (test/fixtures/app: a Meteor 0.6.5 bundle whose server runs on fibers),
// built by lab/app-bundle.ts with fibers@1.0.1 packed from the npm registry on this machine.
import { type AppBundle, type AppBundleOptions, appBundle } from '../../lab/app-bundle.ts';
import { npmPack } from '../../modules/npm/pack.ts';

/** What a test breaks on purpose: main.js exiting at once, or fibers without a binary for the host (it must build). */
export type BundleFault = 'exit' | 'no-fibers-binary';

const FAULTS: Record<BundleFault, AppBundleOptions['files']> = {
  exit: { 'main.js': "console.error('main.js: cannot start (on purpose)'); process.exit(1);\n" },
  // Node 0.8 on linux x64 is V8 3.11: without this prebuilt binary fibers' install script compiles with node-gyp.
  'no-fibers-binary': { 'programs/server/node_modules/fibers/bin/linux-x64-v8-3.11': null },
};

/** The whole build: the tarball, the unpacked tree, the release id. */
export function built(release: string, fault?: BundleFault | boolean): AppBundle {
  const f = fault === true ? 'exit' : fault || undefined;
  return appBundle(npmPack, { release, files: f ? FAULTS[f] : undefined });
}

/** A bundle tarball whose GET / reports `release`; `true` for one whose main.js exits at once. */
export function bundle(release: string, fault?: BundleFault | boolean): string {
  return built(release, fault).tarball;
}
