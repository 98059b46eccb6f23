import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeJws, jwsPayload } from './jws.js';

/** What a decoder does with an input: the value it gives, or that it throws. */
function outcome(decode: () => unknown): unknown {
  try {
    return { value: decode() };
  } catch {
    return 'throws';
  }
}

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const BOM = '\ufeff';

/** Segments a client could send, well-formed or not. */
const segment = fc.oneof(
  fc.jsonValue().map((v) => b64(JSON.stringify(v) ?? 'null')),
  fc.dictionary(fc.string(), fc.jsonValue()).map((o) => b64(JSON.stringify(o))),
  fc.dictionary(fc.string(), fc.jsonValue()).map((o) => b64(BOM + JSON.stringify(o))),
  fc.dictionary(fc.string(), fc.jsonValue()).map((o) => `${b64(JSON.stringify(o))}==`),
  fc.dictionary(fc.string(), fc.jsonValue()).map((o) => Buffer.from(JSON.stringify(o)).toString('base64')),
  fc.uint8Array({ maxLength: 40 }).map(b64),
  fc.string({ unit: fc.constantFrom(...'AQgw_-+/=. \n!é'.split('')), maxLength: 12 }),
  fc.constant(''),
);

const jws = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));

describe('reading a JWS without verifying it', () => {
  it('gives the payload jose gives, and throws where jose throws', () => {
    fc.assert(
      fc.property(jws, (token) => {
        expect(outcome(() => jwsPayload(token))).toEqual(outcome(() => decodeJwt(token)));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the header and payload jose gives, and throws where either throws', () => {
    fc.assert(
      fc.property(jws, (token) => {
        expect(outcome(() => decodeJws(token))).toEqual(outcome(() => ({ header: decodeProtectedHeader(token), payload: decodeJwt(token) })));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the forms jose reads beyond plain base64url, and refuses what it refuses', () => {
    const claims = { sub: 'demo', n: 1 };
    const header = b64(JSON.stringify({ alg: 'PS512' }));
    const cases = {
      plain: `${header}.${b64(JSON.stringify(claims))}.sig`,
      bom: `${header}.${b64(BOM + JSON.stringify(claims))}.sig`,
      // The same bytes with the last character's unused bits set: not how the bytes encode back.
      looseBits: `${header}.${b64(JSON.stringify(claims)).replace(/.$/, (c) => String.fromCharCode(c.charCodeAt(0) + 1))}.sig`,
      badUtf8: `${header}.${b64(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))}.sig`,
      array: `${header}.${b64('[1]')}.sig`,
      twoParts: `${header}.${b64(JSON.stringify(claims))}`,
      fiveParts: `${header}.${b64(JSON.stringify(claims))}.a.b.c`,
    };
    for (const token of Object.values(cases)) {
      expect(outcome(() => jwsPayload(token))).toEqual(outcome(() => decodeJwt(token)));
      expect(outcome(() => decodeJws(token))).toEqual(outcome(() => ({ header: decodeProtectedHeader(token), payload: decodeJwt(token) })));
    }
    expect(jwsPayload(cases.plain)).toEqual(claims);
    expect(jwsPayload(cases.bom)).toEqual(claims);
    expect(() => jwsPayload(cases.badUtf8)).toThrow();
    expect(() => jwsPayload(cases.array)).toThrow();
  });
});
