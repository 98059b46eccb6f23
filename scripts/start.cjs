/**
 * `npm start`: the command from the current sources, started fast. The command (dist/digime-mock.cjs
 * and the server bundle it runs, dist/digime-mock-server.cjs) is rebuilt only when a source file,
 * the build settings or the installed dependencies are newer than it; then it is loaded into this
 * process, so the server is this process and a signal sent to it reaches the server directly.
 * Plain JavaScript, so that starting needs no TypeScript loader; CommonJS, so that the thread
 * pool's size is set before anything starts the pool (scripts/thread-pool.cjs).
 */
require('./thread-pool.cjs').sizeThreadPool();

(async () => {
  const { buildCli, CLI_BUNDLE, CLI_SERVER_BUNDLE, cliBundleStale } = await import('./bundle.mjs');
  if (cliBundleStale()) {
    let esbuild;
    try {
      esbuild = await import('esbuild');
    } catch {
      esbuild = undefined;
    }
    if (esbuild) {
      process.stderr.write('digime-mock: sources changed, rebuilding the command in dist/\n');
      // esbuild has already printed what failed.
      await buildCli(esbuild).catch(() => process.exit(1));
      // Its service process is not needed by the server.
      await esbuild.stop?.();
    } else if (!require('node:fs').existsSync(CLI_SERVER_BUNDLE)) {
      process.stderr.write('digime-mock: dist/ has no built command and esbuild is not installed; run npm install\n');
      process.exit(1);
    }
  }
  require(CLI_BUNDLE);
})();
