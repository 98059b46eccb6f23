/**
 * Reading a compact JWS without verifying it: its protected header and its payload, read exactly
 * as jose's `decodeProtectedHeader` and `decodeJwt` read them, failing where they fail. Every API
 * request reads one or two of these (its request JWT, the token it carries), so the form clients
 * send, plain base64url, is decoded here in one step; any other form is left to jose.
 */
import { isUtf8 } from 'node:buffer';
import { decodeJwt, decodeProtectedHeader } from 'jose';

/** A JSON object whose prototype is Object.prototype (what jose accepts as a header or claims set). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * The JSON object in a segment, or undefined when the segment is not in the plain form (jose
 * decides then): base64url exactly as it encodes its bytes back, of UTF-8 without a byte-order mark.
 */
function plainSegment(segment: string): Record<string, unknown> | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.length === 0 || bytes.toString('base64url') !== segment || !isUtf8(bytes)) return undefined;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
  const value: unknown = JSON.parse(bytes.toString('utf8'));
  if (!isPlainObject(value)) throw new TypeError('the segment is not a JSON object');
  return value;
}

/** As jose's `decodeJwt`: the claims of a three-part compact JWS. */
export function jwsPayload(jws: string): Record<string, unknown> {
  if (typeof jws === 'string') {
    const parts = jws.split('.');
    if (parts.length === 3) {
      const claims = plainSegment(parts[1]!);
      if (claims) return claims;
    }
  }
  return decodeJwt(jws);
}

/** As jose's `decodeProtectedHeader` and `decodeJwt` together: the header and claims of a compact JWS. */
export function decodeJws(jws: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  if (typeof jws === 'string') {
    const parts = jws.split('.');
    if (parts.length === 3) {
      const header = plainSegment(parts[0]!);
      const payload = plainSegment(parts[1]!);
      if (header && payload) return { header, payload };
    }
  }
  return { header: decodeProtectedHeader(jws), payload: decodeJwt(jws) };
}
