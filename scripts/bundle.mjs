/**
 * What `npm run build` (scripts/build.ts) and `npm start` (scripts/start.cjs) bundle, in plain
 * JavaScript so that `npm start` can check and rebuild the command's bundle without a TypeScript
 * loader. No source maps: dist/ is what the package ships.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The command: `bin` of the package and what `npm start` runs (scripts/cli-loader.cjs, built). */
export const CLI_BUNDLE = join(root, 'dist/digime-mock.cjs');
/** The server the command runs, with its dependencies inside. */
export const CLI_SERVER_BUNDLE = join(root, 'dist/digime-mock-server.cjs');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  minify: true,
  keepNames: true,
};

/**
 * zod's error messages in English only: zod's namespace carries every language it has, and the
 * mock never switches. Two fifths of the command's bundle otherwise.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-english-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: root,
      loader: 'js',
    }));
  },
};

/**
 * The command's server as one CommonJS file with its dependencies inside: one file to read and
 * evaluate starts faster than hundreds of small modules, and, as a script, it can be compiled
 * with V8's code cache (scripts/cli-loader.cjs), which Node 20 has for no ES module. node-forge,
 * which only `--https` needs, stays outside (an installed dependency): a third of the bundle
 * otherwise, read and held by every start.
 */
export const cliServerBuildOptions = {
  ...common,
  format: 'cjs',
  entryPoints: ['mock-server/cli.ts'],
  outfile: CLI_SERVER_BUNDLE,
  external: ['node-forge'],
  plugins: [zodEnglishOnly],
  // The sources find the package's folder from their module URL.
  define: { 'import.meta.url': '__digimeMockUrl' },
  banner: { js: "var __digimeMockUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/** The command's entry: runs the server bundle with a code cache. */
export const cliLoaderBuildOptions = {
  ...common,
  format: 'cjs',
  entryPoints: ['scripts/cli-loader.cjs'],
  outfile: CLI_BUNDLE,
};

/** Builds the command (both files), each put in place by renaming. */
export async function buildCli(esbuild) {
  const built = await Promise.all([buildInPlace(esbuild, cliServerBuildOptions), buildInPlace(esbuild, cliLoaderBuildOptions)]);
  return built.flat();
}

/**
 * The library entries, split so that they share one copy of the core (an Authority from
 * `digime-mock` works with `digime-mock/msw` and `digime-mock/pact`), dependencies left as imports.
 */
export const libraryBuildOptions = {
  ...common,
  entryPoints: {
    index: 'mock-server/index.ts',
    msw: 'mock-server/msw/index.ts',
    pact: 'mock-server/pact/index.ts',
    admin: 'mock-server/admin-client/index.ts',
  },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  packages: 'external',
};

/** What the command's bundle is built from, relative to the package's folder. */
export const CLI_INPUTS = [
  'mock-server',
  'scripts/bundle.mjs',
  'scripts/cli-loader.cjs',
  'scripts/thread-pool.cjs',
  'package.json',
  'tsconfig.json',
  // Rewritten by every npm install, so a changed dependency counts too.
  'node_modules/.package-lock.json',
];

/** Newest modification time (ms) among the files the command's bundle is built from (tests aside). */
export function newestInput(dir = root) {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    // A folder's time changes when a file in it is added, renamed or removed.
    if (stat.mtimeMs > newest) newest = stat.mtimeMs;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (!name.endsWith('.test.ts')) visit(join(path, name));
    }
  };
  for (const path of CLI_INPUTS) visit(join(dir, path));
  return newest;
}

/** Whether the command (dist/digime-mock.cjs and dist/digime-mock-server.cjs under `dir`) is missing or older than what it is built from. */
export function cliBundleStale(dir = root) {
  const built = ['dist/digime-mock.cjs', 'dist/digime-mock-server.cjs'].map((f) => statSync(join(dir, f), { throwIfNoEntry: false }));
  if (built.some((b) => !b)) return true;
  return Math.min(...built.map((b) => b.mtimeMs)) < newestInput(dir);
}

/**
 * Builds with esbuild and puts each output file in place by renaming, so that a process starting
 * from dist/ meanwhile reads the old file or the new one, never half of one. Returns the paths written.
 */
export async function buildInPlace(esbuild, options) {
  const { outputFiles } = await esbuild.build({ ...options, write: false });
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents, { mode: file.text.startsWith('#!') ? 0o755 : 0o644 });
    renameSync(aside, file.path);
  }
  return outputFiles.map((f) => f.path);
}

/** Removes the files under `dir` that the last build did not write (chunks of older builds). */
export function removeOthers(dir, written) {
  const keep = new Set(written);
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    if (name.isFile() && !keep.has(path)) rmSync(path, { force: true });
  }
}
