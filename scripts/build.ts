/**
 * `npm run build` (and `prepare`, so that an install from git or a folder builds too): dist/ as the
 * package ships it.
 * - dist/digime-mock.cjs: the command, which runs dist/digime-mock-server.cjs, the server bundled
 *   with its dependencies, with a code cache (scripts/bundle.mjs and scripts/cli-loader.cjs say why);
 * - dist/index.mjs, msw.mjs, pact.mjs, admin.mjs: the library entries, sharing dist/chunks/;
 * - dist/types/: their declarations, from tsconfig.build.json.
 * Files are replaced, not deleted first, so that servers started from dist/ meanwhile (tests run
 * in parallel) keep working.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { buildCli, buildInPlace, libraryBuildOptions, removeOthers, root } from './bundle.mjs';

const dist = join(root, 'dist');
const [, library] = await Promise.all([buildCli(esbuild), buildInPlace(esbuild, libraryBuildOptions)]);
removeOthers(join(dist, 'chunks'), library);
// Source maps of earlier builds; dist/ ships without them.
for (const name of readdirSync(dist)) if (name.endsWith('.map')) rmSync(join(dist, name));

// Declarations go aside first, then replace dist/types/ whole, so none of a removed module stays.
const fresh = join(dist, `.types-${process.pid}`);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', fresh], { cwd: root, stdio: 'inherit' });
  const old = join(dist, `.types-old-${process.pid}`);
  rmSync(old, { recursive: true, force: true });
  try {
    renameSync(join(dist, 'types'), old);
  } catch {
    // no earlier declarations
  }
  renameSync(fresh, join(dist, 'types'));
  rmSync(old, { recursive: true, force: true });
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
