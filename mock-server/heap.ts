/**
 * How the command lets V8's heap grow; the library (`startMockServer`, msw) leaves the V8 of the
 * process it runs in alone. A mock under load allocates a lot that dies at once and keeps little
 * (a token record and a nonce a request), while V8 sizes its heap for a program that keeps what it
 * allocates: it grows the young generation up to 16 MB a semi-space and lets the old one grow to up
 * to four times what outlived its last collection. The command holds the first to 4 MB (the speed
 * is the same; beyond it only memory grows) and the second to one and a half times, which costs a
 * few more collections (under a refresh load, one more every few seconds, with the marking on
 * helper threads) and keeps a busy mock's memory near what it holds.
 *
 * The launcher (scripts/cli-loader.cjs) holds the young generation at its first size while the
 * command starts, and puts V8's defaults back before it writes its code cache, which V8 takes only
 * under the flags it was made with.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Bytes of one semi-space of the young generation, at most (two of them are in use). */
const SEMI_SPACE_MAX = 4 * 1024 * 1024;

/** From now on (the server listens): the young generation may grow to its cap, the old one to one and a half times its live size. */
export function holdHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
  setFlagsFromString('--semi-space-growth-factor=2');
  // V8 grows the young generation by doubling it after a collection, and has no cap to set once
  // running: the growth stops when it has reached this one.
  const watch = setInterval(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young && young.space_size < 2 * SEMI_SPACE_MAX) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    clearInterval(watch);
  }, 100);
  watch.unref();
}
