/**
 * The size of Node's thread pool for the command, where the mock makes every PS512 signature.
 * Node's default is four threads on any machine: on two cores, four signing threads take turns
 * with the thread that answers requests (slower answers, no more signatures); on eight, half the
 * cores never sign. One thread a core, two at least, unless UV_THREADPOOL_SIZE says otherwise.
 * Node reads the variable when the pool first starts, so this runs before anything uses the pool:
 * first thing in a CommonJS entry (an ES module entry is itself read through the pool).
 */
const { availableParallelism } = require('node:os');

exports.sizeThreadPool = function sizeThreadPool() {
  if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(Math.max(2, availableParallelism()));
};
