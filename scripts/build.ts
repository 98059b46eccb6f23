/**
 * `npm run build`: the server as one bundled ES module (dist/digime-mock.mjs), which starts faster
 * than hundreds of small modules, and the library entry (dist/index.mjs) with its dependencies
 * left as imports. Type checking is `npm run typecheck`.
 */
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  minify: true,
  keepNames: true,
} as const;

await Promise.all([
  build({
    ...common,
    entryPoints: ['mock-server/cli.ts'],
    outfile: 'dist/digime-mock.mjs',
    // CommonJS dependencies (express, pino) call require(); give the bundle one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  }),
  build({ ...common, entryPoints: ['mock-server/index.ts'], outfile: 'dist/index.mjs', packages: 'external' }),
]);
