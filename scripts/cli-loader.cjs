#!/usr/bin/env node
/**
 * The `digime-mock` command (built to dist/digime-mock.cjs): runs the server's bundle
 * (dist/digime-mock-server.cjs) with V8's code cache, kept in the system's temporary folder, so that
 * a start after the first skips most of compiling the bundle. The cache is written when a run
 * without one ends, and V8 itself refuses a cache that does not fit the bundle or this Node.
 *
 * CommonJS, so that it runs before Node's thread pool starts (an ES module entry is read through
 * it): the pool's size is set first (scripts/thread-pool.cjs).
 */
require('./thread-pool.cjs').sizeThreadPool();

const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire, Module } = require('node:module');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

const bundle = join(__dirname, 'digime-mock-server.cjs');
// The bundle starts with the command's #! line, which a function body cannot hold.
const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const { size, mtimeMs } = statSync(bundle);
const cacheDir = join(tmpdir(), `digime-mock-code-cache-${process.getuid?.() ?? 'user'}`);
const cacheName = `${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}.bin`;
const cacheFile = join(cacheDir, cacheName);

/** A cache is compiled code: read one only from a folder that nobody else can write to. */
function ownFolder(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat?.isDirectory() === true && (process.getuid === undefined || stat.uid === process.getuid()) && (stat.mode & 0o022) === 0;
}

/** Let go once compiled: V8 has read it. */
let cachedData;
try {
  cachedData = ownFolder(cacheDir) ? readFileSync(cacheFile) : undefined;
} catch {
  cachedData = undefined;
}
const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
if (!cachedData || script.cachedDataRejected) {
  // On the way out, so that the cache holds every function the run has compiled, start-up's too.
  process.once('exit', () => {
    try {
      // V8's defaults again for the flags the command changes (mock-server/heap.ts), so that the
      // cache matches the flags of the next start's compile.
      setFlagsFromString('--semi-space-growth-factor=2');
      setFlagsFromString('--heap-growing-percent=0');
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      if (!ownFolder(cacheDir)) return;
      const aside = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(aside, script.createCachedData(), { mode: 0o600 });
      renameSync(aside, cacheFile);
      for (const name of readdirSync(cacheDir)) if (name !== cacheName && name.endsWith('.bin')) rmSync(join(cacheDir, name), { force: true });
    } catch {
      // No cache: the next start compiles the bundle again.
    }
  });
}
cachedData = undefined;
// Starting allocates a lot that is garbage at once (reading fixtures, building schemas), and V8
// would grow its young generation to fit, keeping that memory for good. It keeps its first size
// until the server listens (mock-server/heap.ts takes over then). Set after compiling: V8 takes a
// code cache only under the flags it was made with.
setFlagsFromString('--semi-space-growth-factor=1');
const server = { exports: {}, filename: bundle, id: bundle, loaded: false };
script.runInThisContext()(server.exports, createRequire(bundle), server, bundle, dirname(bundle));
