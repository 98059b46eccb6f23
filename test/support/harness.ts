/**
 * An Authority and its HTTP transport for HTTP tests, plus the steps of an Ongoing Access flow done
 * over HTTP with supertest.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import request from 'supertest';
import type { RequestListener } from 'node:http';
import { Authority, type Clock, type MockConfigInput, SigningKey } from '../../mock-server/core/index.js';
import { createRequestListener } from '../../mock-server/http/listener.js';
import { testServerKeyPem } from './keys.js';
import { pkce, signRequest, type SignOptions } from './request-jwt.js';

export const REDIRECT_URI = 'http://localhost:3000/callback';

export interface Harness {
  authority: Authority;
  app: RequestListener;
  http: ReturnType<typeof request>;
}

/** A real clock a test moves by hand: the mock clock follows it, so clock tests need no waiting. */
export function manualWallClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

export async function createHarness(config: MockConfigInput = {}, options: { wallClock?: Clock } = {}): Promise<Harness> {
  const authority = await Authority.create(
    { logLevel: 'silent', keyFile: join(mkdtempSync(join(tmpdir(), 'digime-mock-')), 'key.pem'), ...config },
    { signingKey: await SigningKey.fromPem(testServerKeyPem()), ...options },
  );
  const app = createRequestListener(authority);
  return { authority, app, http: request(app) };
}

export const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });

export interface TokenPayload {
  access_token: { value: string; expires_on: number };
  refresh_token: { value: string; expires_on: number };
  sub: string;
  consentid: string;
  identifier: { id: string };
  token_type: string;
}

/** authorize → consent (autoConsent=accept) → redirect parameters. */
export async function consent(
  h: Harness,
  opts: { body?: object; sign?: SignOptions; user?: string; decision?: 'accept' | 'deny'; claims?: Record<string, unknown> } = {},
) {
  const { verifier, challenge } = pkce();
  const state = 'state-' + Math.random().toString(36).slice(2);
  const jwt = await signRequest(
    {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      redirect_uri: REDIRECT_URI,
      response_mode: 'query',
      response_type: 'code',
      state,
      ...opts.claims,
    },
    opts.sign,
  );
  const authorize = await h.http.post('/v1.7/oauth/authorize').set(bearer(jwt)).send(opts.body ?? { agent: { sdk: { name: 'test', version: '1', meta: {} } } });
  if (authorize.status !== 201) throw new Error(`authorize answered ${authorize.status} ${JSON.stringify(authorize.body)}`);
  const { preauthorization_code } = decodeJwt(authorize.body.token) as { preauthorization_code: string };
  const page = await h.http
    .get('/apps/saas/authorize')
    .query({ code: preauthorization_code, sourceType: 'pull', autoConsent: opts.decision ?? 'accept', ...(opts.user ? { user: opts.user } : {}) });
  if (page.status !== 302) throw new Error(`consent answered ${page.status}`);
  const params = new URL(page.headers.location as string).searchParams;
  return { params, verifier, state, session: authorize.body.session as { key: string; expiry: number }, preauthorization_code };
}

/** A full first authorisation: consent, then the code exchange. */
export async function authorizeAndExchange(h: Harness, opts: Parameters<typeof consent>[1] = {}) {
  const c = await consent(h, opts);
  const jwt = await signRequest(
    { code: c.params.get('code'), code_verifier: c.verifier, grant_type: 'authorization_code' },
    opts.sign,
  );
  const res = await h.http.post('/v1.7/oauth/token').set(bearer(jwt));
  if (res.status !== 201) throw new Error(`token answered ${res.status} ${JSON.stringify(res.body)}`);
  return { ...c, token: res.body.token as string, payload: decodeJwt(res.body.token) as unknown as TokenPayload };
}

/** The refresh grant over HTTP. */
export async function refresh(h: Harness, refreshToken: string, sign?: SignOptions) {
  const jwt = await signRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }, sign);
  return h.http.post('/v1.7/oauth/token').set(bearer(jwt));
}
