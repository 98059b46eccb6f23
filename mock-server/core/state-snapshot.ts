/**
 * The mock's state as one JSON document (docs/protocol.md §8.10): every map of the store, the mock
 * clock, and the public keys with their kids. Restoring one puts the store back exactly, so tokens
 * issued before the snapshot work again and tokens issued after it do not.
 *
 * The snapshot is generic over the store: each map is written as an object of its entries, bytes as
 * base64 (`{"$bytes"}`), key objects as their public PEM (`{"$publicKey"}`), rebuilt on restore.
 * It never holds a private key (one found is an error), and no token value: the store keeps token
 * hashes only. Caches derived from the store (access tokens signed ahead) are not written; they are
 * rebuilt. A snapshot is checked whole before anything changes: a wrong format or version, an
 * unknown map, or a core record (apps, consents, tokens, codes, sessions, users) of the wrong shape
 * is a 400 `ValidationErrors` naming where, and the state stays as it was.
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { z } from 'zod';
import { MAX_TIME_MS } from './clock.js';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import type { ServerJwk } from './keys.js';
import { publicKeys } from './key-rotation.js';
import { ScenariosSchema } from './model.js';
import { checkTemplates, refreshUsers, type UserDirectory } from './runtime-users.js';
import type { RuntimeUser, Store } from './store.js';
import { formatIssues } from './validation.js';

export const STATE_FORMAT = 'digime-mock-state';
export const STATE_VERSION = 1;

/** Maps that are caches of other state: rebuilt, never written. */
const DERIVED = new Set<string>(['presignedAccess']);

export interface StateSnapshot {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** Real time the snapshot was taken, ISO 8601. */
  takenAt: string;
  /** The mock clock. A running clock is restored as its offset from real time; a frozen one at its time. */
  clock: { now: string; nowMs: number; offsetMs: number; frozen: boolean };
  /** The public keys the JWKS served: the current one first. */
  keys: { kid: string; status: 'current' | 'previous'; jwk: { kty: 'RSA'; kid: string; n: string; e: string; alg: 'PS512'; use: 'sig' } }[];
  /** Each map of the store, by name: its entries by key. */
  store: Record<string, Record<string, unknown>>;
}

// ---- Encoding --------------------------------------------------------------------------------

function encode(value: unknown, at: string): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (value instanceof KeyObject) {
    if (value.type !== 'public') throw new Error(`${at}: a ${value.type} key cannot be written to a snapshot`);
    return { $publicKey: value.export({ type: 'spki', format: 'pem' }).toString() };
  }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof Map) return { $map: [...value].map(([k, v], i) => [k, encode(v, `${at}.${i}`)]) };
  if (value instanceof Set) return { $set: [...value].map((v, i) => encode(v, `${at}.${i}`)) };
  if (Array.isArray(value)) return value.map((v, i) => encode(v, `${at}.${i}`));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const encoded = encode(v, `${at}.${k}`);
    if (encoded !== undefined) out[k] = encoded;
  }
  return out;
}

class DecodeError extends Error {}

function decode(value: unknown, at: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => decode(v, `${at}.${i}`));
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const [tag] = keys;
    if (tag === '$bytes') {
      if (typeof o.$bytes !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.$bytes)) throw new DecodeError(`${at}: $bytes must be base64`);
      return Buffer.from(o.$bytes, 'base64');
    }
    if (tag === '$publicKey') {
      try {
        return createPublicKey(String(o.$publicKey));
      } catch {
        throw new DecodeError(`${at}: $publicKey is not a readable PEM public key`);
      }
    }
    if (tag === '$date') {
      const ms = typeof o.$date === 'string' ? Date.parse(o.$date) : NaN;
      if (Number.isNaN(ms)) throw new DecodeError(`${at}: $date is not an ISO 8601 time`);
      return new Date(ms);
    }
    if (tag === '$map') {
      if (!Array.isArray(o.$map) || !o.$map.every((e) => Array.isArray(e) && e.length === 2)) throw new DecodeError(`${at}: $map must be [key, value] pairs`);
      return new Map((o.$map as [unknown, unknown][]).map(([k, v], i) => [k, decode(v, `${at}.${i}`)]));
    }
    if (tag === '$set') {
      if (!Array.isArray(o.$set)) throw new DecodeError(`${at}: $set must be an array`);
      return new Set(o.$set.map((v, i) => decode(v, `${at}.${i}`)));
    }
  }
  return Object.fromEntries(keys.map((k) => [k, decode(o[k], `${at}.${k}`)]));
}

function storeMaps(store: Store): [string, Map<string, unknown>][] {
  return Object.entries(store).filter((e): e is [string, Map<string, unknown>] => e[1] instanceof Map && !DERIVED.has(e[0]));
}

/** The whole state, as JSON. */
export function takeSnapshot(ctx: CoreContext): StateSnapshot {
  const store: StateSnapshot['store'] = {};
  for (const [name, map] of storeMaps(ctx.store)) {
    const entries: Record<string, unknown> = {};
    for (const [key, value] of map) entries[String(key)] = encode(value, `store.${name}.${String(key)}`);
    store[name] = entries;
  }
  const clock = ctx.clock.state();
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    takenAt: new Date(ctx.wallClock.now()).toISOString(),
    clock: { now: clock.now, nowMs: clock.nowMs, offsetMs: clock.offsetMs, frozen: clock.frozen },
    keys: publicKeys(ctx).map(({ kid, kty, n, e, alg, use }, i) => ({
      kid,
      status: i === 0 ? 'current' : 'previous',
      jwk: { kty, kid, n, e, alg, use },
    })),
    store,
  };
}

// ---- Checking --------------------------------------------------------------------------------

const time = z.number().finite();
const id = z.string().min(1);

const JwkSchema = z.object({ kty: z.literal('RSA'), kid: id, n: id, e: id }).loose();

const EnvelopeSchema = z
  .object({
    format: z.literal(STATE_FORMAT),
    version: z.number().int(),
    takenAt: z.string().optional(),
    clock: z.object({ nowMs: time.refine((t) => Math.abs(t) <= MAX_TIME_MS, 'is outside the range of dates'), offsetMs: time, frozen: z.boolean() }).loose(),
    keys: z.array(z.object({ kid: id, status: z.enum(['current', 'previous']), jwk: JwkSchema }).loose()).min(1).max(2),
    store: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .loose();

/** The shapes of the core's records; other maps are taken as they are. */
const RECORDS: Record<string, { schema: z.ZodType; key?: string }> = {
  apps: {
    key: 'clientId',
    schema: z.object({ clientId: id, appId: id, contractId: id, name: z.string(), publicKeyPem: id, publicKey: z.custom<KeyObject>((k) => k instanceof KeyObject && k.type === 'public', 'must be a public key') }).loose(),
  },
  consents: {
    key: 'consentId',
    schema: z.object({ consentId: id, clientId: id, userId: id, accountReferences: z.array(z.string()), createdAt: time, revokedAt: time.optional() }).loose(),
  },
  tokens: {
    key: 'jti',
    schema: z
      .object({
        jti: id,
        kind: z.enum(['access', 'refresh']),
        valueHash: id,
        clientId: id,
        consentId: id,
        userId: id,
        issuedAt: time,
        expiresAt: time,
        revokedAt: time.optional(),
        family: id,
        rotatedAt: time.optional(),
      })
      .loose(),
  },
  preauthorizationCodes: {
    key: 'code',
    schema: z.object({ code: id, kind: z.enum(['authorize', 'user-reauth', 'onboard']), clientId: id, redirectUri: z.string(), expiresAt: time, usedAt: time.optional() }).loose(),
  },
  authorizationCodes: {
    key: 'code',
    schema: z.object({ code: id, clientId: id, consentId: id, redirectUri: z.string(), codeChallenge: z.string(), expiresAt: time, usedAt: time.optional() }).loose(),
  },
  sessions: {
    key: 'key',
    schema: z.object({ key: id, clientId: id, consentId: id.optional(), options: z.record(z.string(), z.unknown()), createdAt: time, expiresAt: time }).loose(),
  },
  runtimeUsers: { key: 'id', schema: z.object({ id, name: id, template: id, createdAt: time }).loose() },
  userScenarios: { schema: ScenariosSchema },
  nonces: { schema: time },
};

const invalid = (detail: string) => errors.validation(detail, 400);

/** A checked snapshot, decoded: what `applySnapshot` puts in place. */
export interface CheckedSnapshot {
  maps: Map<string, Map<string, unknown>>;
  clock: { nowMs: number; offsetMs: number; frozen: boolean };
  keys: ServerJwk[];
}

/** Checks a snapshot whole, changing nothing; 400 ValidationErrors naming the first thing wrong. */
export function checkSnapshot(ctx: CoreContext, dir: UserDirectory, input: unknown): CheckedSnapshot {
  const version = (input as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== STATE_VERSION) {
    throw invalid(`version: this mock reads state version ${STATE_VERSION}, not ${version}`);
  }
  const envelope = EnvelopeSchema.safeParse(input);
  if (!envelope.success) throw invalid(formatIssues(envelope.error.issues.slice(0, 3), '(snapshot)'));
  const { store, clock, keys } = envelope.data;
  const known = new Map(storeMaps(ctx.store));
  const maps = new Map<string, Map<string, unknown>>();
  for (const [name, entries] of Object.entries(store)) {
    if (!known.has(name)) throw invalid(`store.${name}: this mock keeps no such records`);
    const rule = RECORDS[name];
    const map = new Map<string, unknown>();
    for (const [key, raw] of Object.entries(entries)) {
      const at = `store.${name}.${key}`;
      let value: unknown;
      try {
        value = decode(raw, at);
      } catch (err) {
        if (err instanceof DecodeError) throw invalid(err.message);
        throw err;
      }
      if (rule) {
        const parsed = rule.schema.safeParse(value);
        if (!parsed.success) throw invalid(formatIssues(parsed.error.issues.slice(0, 1).map((i) => ({ ...i, path: [at, ...i.path] }))));
        if (rule.key && (value as Record<string, unknown>)[rule.key] !== key) throw invalid(`${at}.${rule.key}: must be the entry's key`);
      }
      map.set(key, value);
    }
    maps.set(name, map);
  }
  checkTemplates((maps.get('runtimeUsers')?.values() ?? []) as Iterable<RuntimeUser>, dir, 'store.runtimeUsers');
  const jwks = keys.map(({ jwk }, i) => {
    try {
      const pem = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      return { kid: jwk.kid, kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'PS512', use: 'sig', pem } satisfies ServerJwk;
    } catch {
      throw invalid(`keys.${i}.jwk: not an RSA public key`);
    }
  });
  return { maps, clock, keys: jwks };
}

/**
 * Puts a checked snapshot in place: the store's maps replaced (those the snapshot lacks emptied),
 * the clock moved, the users rebuilt. The signing key stays (a snapshot holds no private key); the
 * JWKS also serves the snapshot's newest key that is not the signing key, so tokens it signed still
 * verify.
 */
export function applySnapshot(ctx: CoreContext, dir: UserDirectory, checked: CheckedSnapshot): void {
  for (const [name, map] of Object.entries(ctx.store)) {
    if (!(map instanceof Map)) continue;
    map.clear();
    for (const [key, value] of checked.maps.get(name) ?? []) map.set(key, value);
  }
  ctx.clock.restore(checked.clock);
  const other = checked.keys.find((k) => k.kid !== ctx.keys.kid);
  if (other) ctx.previousKey = other;
  else delete ctx.previousKey;
  refreshUsers(ctx, dir);
}

/** Checks, then restores; nothing changes when the check fails. */
export function restoreSnapshot(ctx: CoreContext, dir: UserDirectory, input: unknown): void {
  applySnapshot(ctx, dir, checkSnapshot(ctx, dir, input));
}
