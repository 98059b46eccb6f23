import { randomBytes, randomFillSync, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random [A-Za-z0-9] string, for nonces and opaque codes. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/**
 * Random bytes taken from the system's generator a few kilobytes at a time: every token, code and
 * family needs an identifier, and one call for each costs more than the identifier is worth.
 */
const pool = Buffer.alloc(4096);
let taken = pool.length;

/** An unguessable identifier: 256 bits, base64url. */
export function randomId(bytes = 32): string {
  if (bytes > pool.length) return randomBytes(bytes).toString('base64url');
  if (taken + bytes > pool.length) {
    randomFillSync(pool);
    taken = 0;
  }
  const id = pool.toString('base64url', taken, taken + bytes);
  taken += bytes;
  return id;
}
