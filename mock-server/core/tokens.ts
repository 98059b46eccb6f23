/**
 * Access and refresh tokens: PS512 JWS values whose life is decided here, by the mock clock and
 * the store, never by the token's own claims (docs/protocol.md §8: server-signed JWS carry no exp/nbf).
 */
import { createHash } from 'node:crypto';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import { randomId } from './ids.js';
import { jwsPayload } from './jws.js';
import { noteAddition } from './sweep.js';
import type { AppContract, Consent, PresignedAccessToken, PresignedResponse, TokenRecord } from './store.js';

/** The payload of the `token` JWS that `oauth/token` answers with (docs/protocol.md §3). */
export interface TokenPayload {
  access_token: { value: string; expires_on: number };
  refresh_token: { value: string; expires_on: number };
  sub: string;
  consentid: string;
  identifier: { id: string };
  token_type: 'Bearer';
}

const toSeconds = (ms: number) => Math.floor(ms / 1000);

export function lifetimes(ctx: CoreContext, app: AppContract) {
  return {
    accessMs: (app.ttl?.accessToken ?? ctx.config.ttl.accessToken) * 1000,
    refreshMs: (app.ttl?.refreshToken ?? ctx.config.ttl.refreshToken) * 1000,
  };
}

/** A token as handed out: its record (what the store keeps) and its value (what the client gets). */
export type IssuedToken = TokenRecord & { value: string };

/** A token being signed: its id, and its value once signed. */
type Signing = Pick<PresignedAccessToken, 'jti' | 'value'>;

export const tokenHash = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * How many families keep access tokens signed ahead (about a kilobyte each): the family that started
 * signing ahead longest ago gives its tokens up first, and a family without them signs on demand.
 */
const PRESIGNED_FAMILIES = 16_384;
/** How many access tokens one family keeps signed ahead at most. */
const PRESIGN_DEPTH = 16;

/**
 * The family's next access token: one signed ahead, or, when its refreshes have outrun those, one
 * signed now (and the family keeps twice as many signed ahead from then on, up to PRESIGN_DEPTH,
 * so that a family refreshed many times at once waits for one signature per refresh, not two in a
 * row). Then the family's tokens signed ahead are topped up. Every refresh thus signs one access
 * token, ahead or on demand. Taken before any await, so concurrent refreshes never share one.
 */
function nextAccessToken(ctx: CoreContext, consent: Consent, family: string): PresignedAccessToken {
  const cache = ctx.store.presignedAccess;
  let ahead = cache.get(family);
  const taken = ahead?.tokens.shift();
  if (ahead && !taken) ahead.depth = Math.min(PRESIGN_DEPTH, ahead.depth * 2);
  const signed = taken ?? signAccessToken(ctx, consent);
  if (!ahead) {
    ahead = { depth: 1, tokens: [], lastIssuedAt: ctx.clock.now() };
    cache.set(family, ahead);
    if (cache.size > PRESIGNED_FAMILIES) cache.delete(cache.keys().next().value!);
  }
  // Stryker disable next-line all: signing ahead only saves time; without it a refresh signs its access token on demand
  while (ahead.tokens.length < ahead.depth) ahead.tokens.push(signAccessToken(ctx, consent));
  return signed;
}

function signAccessToken(ctx: CoreContext, consent: Consent): PresignedAccessToken {
  const jti = randomId(18);
  const value = ctx.keys.signJws({
    jti,
    token_type: 'access_token',
    client_id: consent.clientId,
    consentid: consent.consentId,
    sub: consent.userId,
  });
  value.catch(() => undefined); // a failure surfaces where the value is awaited, not as an unhandled rejection
  return { jti, value };
}

async function mintToken(
  ctx: CoreContext,
  kind: TokenRecord['kind'],
  consent: Consent,
  expiresAt: number,
  family: string,
  // A refresh's access token is signed while the previous one is in use, so the refresh itself
  // waits for one signature (the token response) at most, not two in a row.
  signed: Signing = kind === 'access' ? nextAccessToken(ctx, consent, family) : signRefreshToken(ctx, consent),
): Promise<IssuedToken> {
  const value = await signed.value;
  const record: TokenRecord = {
    jti: signed.jti,
    kind,
    valueHash: tokenHash(value),
    clientId: consent.clientId,
    consentId: consent.consentId,
    userId: consent.userId,
    issuedAt: ctx.clock.now(),
    expiresAt,
    family,
  };
  ctx.store.tokens.set(record.jti, record);
  noteAddition(ctx);
  return { ...record, value };
}

function signRefreshToken(ctx: CoreContext, consent: Consent): Signing {
  const jti = randomId(18);
  return { jti, value: ctx.keys.signJws({ jti, token_type: 'refresh_token', client_id: consent.clientId, consentid: consent.consentId, sub: consent.userId }) };
}

function responsePayload(consent: Consent, access: { value: string; expiresAt: number }, refresh: IssuedToken): TokenPayload {
  return {
    access_token: { value: access.value, expires_on: toSeconds(access.expiresAt) },
    refresh_token: { value: refresh.value, expires_on: toSeconds(refresh.expiresAt) },
    sub: consent.userId,
    consentid: consent.consentId,
    identifier: { id: consent.userId },
    token_type: 'Bearer',
  };
}

/**
 * What a token response signed ahead must have been signed for to be the answer, besides the access
 * token it names: that token's expiry second and the key-set URL. The refresh token it names is
 * the family's one, which a refresh under `keep` never changes while it can be used.
 */
const responseBasis = (accessExpiresAt: number, jku: string) => `${toSeconds(accessExpiresAt)} ${jku}`;

/**
 * The `token` JWS of the answer: the one signed ahead for it when that was signed for this very
 * payload (same access token, expiry second and key-set URL; a key rotation drops what was signed
 * ahead), else one signed now.
 */
function tokenResponse(ctx: CoreContext, consent: Consent, access: IssuedToken, refresh: IssuedToken, jku: string, ahead?: PresignedResponse): Promise<string> {
  if (ahead?.basis === responseBasis(access.expiresAt, jku)) return ahead.jws;
  return ctx.keys.signJws(responsePayload(consent, access, refresh), jku);
}

/**
 * After a refresh that keeps its refresh token: the token response of the family's next refresh,
 * signed ahead, naming the next access token signed ahead, when that refresh is likely to come
 * within this second of the mock clock: when the next refresh, as long after this one as this one
 * came after the family's last tokens, would still fall within it. A refresh in the same second
 * then answers without waiting for a signature; one in a later second signs its own (the expiry
 * it names is a second further on), and the one signed ahead is lost work.
 */
function signNextResponseAhead(ctx: CoreContext, consent: Consent, family: string, refresh: IssuedToken, jku: string, now: number, accessMs: number) {
  // nextAccessToken has just taken this family's next token: its entry is there, topped up.
  const ahead = ctx.store.presignedAccess.get(family)!;
  const soon = toSeconds(now + (now - ahead.lastIssuedAt)) === toSeconds(now);
  ahead.lastIssuedAt = now;
  if (!soon) return;
  const next = ahead.tokens[0]!;
  const expiresAt = now + accessMs;
  const jws = next.value.then((value) => ctx.keys.signJws(responsePayload(consent, { value, expiresAt }, refresh), jku));
  jws.catch(() => undefined); // a failure surfaces where the answer is awaited, not as an unhandled rejection
  next.response = { basis: responseBasis(expiresAt, jku), jws };
}

/** A new access and refresh token for a consent (the code exchange). */
export async function issueTokens(ctx: CoreContext, app: AppContract, consent: Consent, jku: string, family = randomId(18)) {
  const { accessMs, refreshMs } = lifetimes(ctx, app);
  const now = ctx.clock.now();
  const [access, refresh] = await Promise.all([
    mintToken(ctx, 'access', consent, now + accessMs, family),
    mintToken(ctx, 'refresh', consent, now + refreshMs, family),
  ]);
  return { token: await tokenResponse(ctx, consent, access, refresh, jku), access, refresh };
}

/** The stored record behind a presented value, if it is live: known, same value, unexpired, unrevoked. */
function liveRecord(ctx: CoreContext, kind: TokenRecord['kind'], app: AppContract, value: unknown) {
  if (typeof value !== 'string' || value.length === 0 || value.length > 8192) return undefined;
  let jti: unknown;
  try {
    jti = jwsPayload(value).jti;
  } catch {
    return undefined;
  }
  const record = typeof jti === 'string' ? ctx.store.tokens.get(jti) : undefined;
  if (!record || record.kind !== kind || record.clientId !== app.clientId || record.valueHash !== tokenHash(value)) {
    return undefined;
  }
  return record;
}

function liveConsent(ctx: CoreContext, record: TokenRecord): Consent | undefined {
  const consent = ctx.store.consents.get(record.consentId);
  return consent && consent.revokedAt === undefined ? consent : undefined;
}

/** The consent an access token stands for, or 401 InvalidToken (access_token). */
export function requireAccessToken(ctx: CoreContext, app: AppContract, value: unknown) {
  const record = liveRecord(ctx, 'access', app, value);
  const now = ctx.clock.now();
  if (!record || record.revokedAt !== undefined || now >= record.expiresAt) throw errors.invalidAccessToken();
  const consent = liveConsent(ctx, record);
  if (!consent) throw errors.invalidAccessToken();
  return { token: record, consent };
}

/** The live consent an access token of this app was issued for, expired or not; else 401 InvalidToken. */
export function consentNamedBy(ctx: CoreContext, app: AppContract, value: unknown): Consent {
  const record = liveRecord(ctx, 'access', app, value);
  const consent = record && record.revokedAt === undefined ? liveConsent(ctx, record) : undefined;
  if (!consent) throw errors.invalidAccessToken();
  return consent;
}

/** Revokes every refresh and access token of a refresh-token family. */
export function revokeFamily(ctx: CoreContext, family: string): number {
  ctx.store.presignedAccess.delete(family);
  const now = ctx.clock.now();
  let count = 0;
  for (const t of ctx.store.tokens.values()) {
    if (t.family === family && t.revokedAt === undefined) {
      t.revokedAt = now;
      count++;
    }
  }
  return count;
}

/** The refresh grant, under the configured refresh policy (docs/protocol.md §6, §8). */
export async function refreshTokens(ctx: CoreContext, app: AppContract, value: unknown, jku: string) {
  const record = liveRecord(ctx, 'refresh', app, value);
  const now = ctx.clock.now();
  if (!record || record.revokedAt !== undefined || now >= record.expiresAt) throw errors.invalidRefreshToken();
  if (record.rotatedAt !== undefined) {
    if (ctx.config.refreshPolicy === 'rotate-detect-reuse') revokeFamily(ctx, record.family);
    throw errors.invalidRefreshToken();
  }
  const consent = liveConsent(ctx, record);
  if (!consent) throw errors.invalidRefreshToken();

  const { accessMs } = lifetimes(ctx, app);
  const rotate = ctx.config.refreshPolicy !== 'keep';
  // Marked before any await, so two concurrent refreshes with one rotating token cannot both win.
  if (rotate) record.rotatedAt = now;
  const kept: IssuedToken = { ...record, value: value as string };
  const next = nextAccessToken(ctx, consent, record.family);
  if (!rotate) signNextResponseAhead(ctx, consent, record.family, kept, jku, now, accessMs);
  const [access, refresh] = await Promise.all([
    mintToken(ctx, 'access', consent, now + accessMs, record.family, next),
    // A rotated refresh token expires when the old one would have.
    rotate ? mintToken(ctx, 'refresh', consent, record.expiresAt, record.family) : kept,
  ]);
  return { token: await tokenResponse(ctx, consent, access, refresh, jku, next.response), access, refresh };
}
