/**
 * Data sessions (docs/protocol.md §4, §8): created by authorize (readable once consent is given),
 * by token reference, and by `permission-access/trigger`. A session lives `ttl.session` seconds of
 * mock time and belongs to one consent: nobody else can read it.
 */
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import { randomId } from './ids.js';
import type { VerifiedRequest } from './request-jwt.js';
import { sessionOptionsFromBody, type SessionOptions } from './session-options.js';
import type { Consent, DataSession } from './store.js';
import { requireAccessToken } from './tokens.js';

export function createSession(
  ctx: CoreContext,
  clientId: string,
  consentId: string | undefined,
  options: SessionOptions = {},
): DataSession {
  const now = ctx.clock.now();
  const session: DataSession = {
    key: randomId(24),
    clientId,
    consentId,
    options,
    createdAt: now,
    expiresAt: now + ctx.config.ttl.session * 1000,
  };
  ctx.store.sessions.set(session.key, session);
  return session;
}

/** The wire form: `{key, expiry}` with expiry in Unix milliseconds. */
export const sessionView = (s: DataSession) => ({ key: s.key, expiry: s.expiresAt });

/** A live session of this consent, or 404 NotFound with no hint whether it exists. */
export function requireSession(ctx: CoreContext, consent: Consent, key: unknown): DataSession {
  const session = typeof key === 'string' ? ctx.store.sessions.get(key) : undefined;
  if (
    !session ||
    session.clientId !== consent.clientId ||
    session.consentId !== consent.consentId ||
    ctx.clock.now() >= session.expiresAt
  ) {
    throw errors.notFound('The session');
  }
  return session;
}

/** `POST permission-access/trigger`: a new session of the consent behind the access token. */
export function trigger(ctx: CoreContext, { app, claims }: VerifiedRequest, body: unknown) {
  const { consent } = requireAccessToken(ctx, app, claims.access_token);
  return { session: sessionView(createSession(ctx, consent.clientId, consent.consentId, sessionOptionsFromBody(body))) };
}
