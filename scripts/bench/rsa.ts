/**
 * What RSA costs on this machine, each kind of operation alone on one thread: the baseline every
 * figure of the benchmark is read against (L1, the single-thread PS512 signing rate), and the unit
 * costs a flow's RSA work is counted in.
 */
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, sign, verify } from 'node:crypto';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };
const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };

/** Operations per second of `op`, run alone for `seconds` after a short warm-up. */
function rate(op: () => unknown, seconds: number): number {
  for (let i = 0; i < 50; i++) op();
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    op();
    n++;
  }
  return n / seconds;
}

/** L1: PS512 signatures per second on one thread (RSA-2048, crypto.sign), over about a token response's bytes. */
export function singleThreadSignRate(seconds = 3): number {
  const data = randomBytes(700);
  return rate(() => sign('sha512', data, { key: privateKey, ...PSS }), seconds);
}

export type RsaKind = 'sign' | 'verify' | 'encrypt' | 'decrypt';

/** Milliseconds per operation of each kind, alone: PS512 sign and verify, RSA-OAEP (SHA-1) encrypt and decrypt of a file's data key. */
export function rsaUnitCosts(seconds = 1): Record<RsaKind, number> {
  const data = randomBytes(1200);
  const signature = sign('sha512', data, { key: privateKey, ...PSS });
  const dataKey = randomBytes(32);
  const wrapped = publicEncrypt({ key: publicKey, ...OAEP }, dataKey);
  return {
    sign: 1000 / rate(() => sign('sha512', data, { key: privateKey, ...PSS }), seconds),
    verify: 1000 / rate(() => verify('sha512', data, { key: publicKey, ...PSS }, signature), seconds),
    encrypt: 1000 / rate(() => publicEncrypt({ key: publicKey, ...OAEP }, dataKey), seconds),
    decrypt: 1000 / rate(() => privateDecrypt({ key: privateKey, ...OAEP }, wrapped), seconds),
  };
}

const signAsync = (data: Buffer) =>
  new Promise<void>((resolve, reject) => sign('sha512', data, { key: privateKey, ...PSS }, (error) => (error ? reject(error) : resolve())));

/**
 * L2: PS512 signatures per second with every core signing, on Node's thread pool (two jobs per core
 * in flight), nothing else running: the most signatures this machine gives a server that does
 * nothing else.
 */
export async function allCoresSignRate(cores: number, seconds = 3): Promise<number> {
  const data = randomBytes(700);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 2 * cores }, async () => {
      while (performance.now() < end) {
        await signAsync(data);
        n++;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Milliseconds (median) for two PS512 signatures started together on the thread pool, nothing
 * else running: what a refresh's signing (its answer and the family's next access token) takes
 * at least when one connection refreshes back to back.
 */
export async function twoSignaturesAtOnceMs(rounds = 600): Promise<number> {
  const data = randomBytes(700);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await Promise.all([signAsync(data), signAsync(data)]);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
