/**
 * A small in-test digi.me, just enough of docs/protocol.md for the SDK's own rules: it verifies request
 * JWTs, signs its tokens PS512 with a JWKS, runs consent with `autoConsent`, refreshes, and serves
 * sessions, file lists and encrypted files. The real mock server is tested elsewhere.
 */
import { randomBytes, createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { encryptFile, metadataHeader } from './file-crypto.js';
import type { TestCompression } from './file-crypto.js';
import { testKeyPair } from './keys.js';

export interface RecordedRequest {
  method: string;
  /** Path after the API base or onboard base, e.g. `oauth/token`. */
  path: string;
  url: string;
  header: Record<string, unknown> | undefined;
  claims: Record<string, unknown> | undefined;
  body: unknown;
}

export interface FakeFile {
  content: unknown;
  compression: TestCompression;
  metadata: Record<string, unknown>;
  /** Poll number from which the file is listed (1 = first poll). */
  fromPoll: number;
}

export interface FakeDigimeOptions {
  appId?: string;
  contractId?: string;
  appPublicKey?: KeyObject;
  redirectUri?: string;
  origin?: string;
  now: () => number;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
}

type Override = (request: RecordedRequest) => Response | undefined;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const digimeError = (status: number, code: string, message: string) =>
  json(status, { error: { code, message, reference: `ref-${randomBytes(4).toString('hex')}` } });

const token = () => randomBytes(16).toString('hex');

export class FakeDigime {
  readonly appId: string;
  readonly contractId: string;
  readonly redirectUri: string;
  readonly baseUrl: string;
  readonly onboardUrl: string;
  readonly requests: RecordedRequest[] = [];
  readonly serverKey = testKeyPair('fake-digime-server');
  kid = 'server-key-1';
  /** Where tokens say their key set is (the `jku`); undefined to leave it out. */
  jku: string | undefined;
  consentDecision: 'accept' | 'deny' = 'accept';
  /** Delay every API answer by this many real ms, so concurrent calls overlap. */
  delayMs = 0;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Session states per poll; the last one repeats. */
  pollStates: string[] = ['completed'];
  readonly files = new Map<string, FakeFile>();

  readonly #now: () => number;
  readonly #appPublicKey: KeyObject;
  readonly #nonces = new Set<string>();
  /** Preauthorization codes (consent) and reference codes (onboarding), by code. */
  readonly #preauth = new Map<string, { challenge: string; state: string; used: boolean; page: 'authorize' | 'user-reauth' | 'onboard' }>();
  readonly #codes = new Map<string, { challenge: string; used: boolean }>();
  readonly #access = new Map<string, number>();
  /** Every access token ever issued (revoking clears `#access`, not this). */
  readonly #issuedAccess = new Set<string>();
  readonly #refresh = new Map<string, number>();
  readonly #sessions = new Map<string, { polls: number }>();
  readonly #overrides: Override[] = [];

  constructor(options: FakeDigimeOptions) {
    this.appId = options.appId ?? 'test-app';
    this.contractId = options.contractId ?? 'test-contract';
    this.#appPublicKey = options.appPublicKey ?? testKeyPair('fake-app').publicKey;
    this.redirectUri = options.redirectUri ?? 'https://app.example/callback';
    const origin = options.origin ?? 'https://fake.digi.me';
    this.baseUrl = `${origin}/v1.7/`;
    this.onboardUrl = `${origin}/apps/saas/`;
    this.jku = `${this.baseUrl}jwks/oauth`;
    this.#now = options.now;
    this.accessTtlSeconds = options.accessTtlSeconds ?? 3600;
    this.refreshTtlSeconds = options.refreshTtlSeconds ?? 30 * 86400;
  }

  /** The fake's `fetch`; pass it to the client. */
  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.#handle(request);
  };

  /** Answer every request for which `override` returns a response with that response. */
  override(override: Override): void {
    this.#overrides.push(override);
  }

  /** Answer the next `count` requests to `path` with `response()`. */
  failNext(path: string, response: () => Response, count = 1): void {
    let left = count;
    this.override((r) => {
      if (left > 0 && r.path === path) {
        left--;
        return response();
      }
      return undefined;
    });
  }

  count(path: string, method?: string): number {
    return this.requests.filter((r) => r.path === path && (method === undefined || r.method === method)).length;
  }

  refreshCount(): number {
    return this.requests.filter((r) => r.path === 'oauth/token' && r.claims?.grant_type === 'refresh_token').length;
  }

  /** Forget every access token (as if expired server-side): the next user call gets 401. */
  revokeAccessTokens(): void {
    this.#access.clear();
  }

  revokeRefreshTokens(): void {
    this.#refresh.clear();
  }

  addFile(name: string, content: unknown, options: Partial<Omit<FakeFile, 'content'>> = {}): void {
    this.files.set(name, {
      content,
      compression: options.compression ?? 'none',
      metadata: options.metadata ?? { objectCount: 1, objectType: '406', serviceGroup: '5', serviceName: 'spotify', schema: { standard: 'digime', version: '1.0.0' } },
      fromPoll: options.fromPoll ?? 1,
    });
  }

  /** Signs a server token as this fake does (for verifier tests). */
  async sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'PS512', typ: 'JWT', kid: this.kid, ...(this.jku ? { jku: this.jku } : {}), ...header })
      .sign(this.serverKey.privateKey);
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ kid: this.kid, kty: 'RSA', alg: 'PS512', use: 'sig', pem: this.serverKey.publicPem }] };
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const onboard = new URL(this.onboardUrl);
    const base = new URL(this.baseUrl);
    const isOnboard = url.pathname.startsWith(onboard.pathname);
    const path = url.pathname.slice((isOnboard ? onboard : base).pathname.length);
    const bodyText = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const record: RecordedRequest = {
      method: request.method,
      path,
      url: request.url,
      header: undefined,
      claims: undefined,
      body: bodyText ? JSON.parse(bodyText) : undefined,
    };
    const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
    if (bearer) {
      record.header = decodeProtectedHeader(bearer) as Record<string, unknown>;
      try {
        record.claims = (await jwtVerify(bearer, this.#appPublicKey, { algorithms: ['PS512'] })).payload;
      } catch {
        record.claims = undefined;
      }
    }
    this.requests.push(record);

    for (const override of this.#overrides) {
      const response = override(record);
      if (response) return response;
    }

    if (isOnboard) return this.#consentPage(url, path);
    if (request.method === 'GET' && path === 'jwks/oauth') return json(200, this.jwks());

    const claims = record.claims;
    if (!claims) return digimeError(406, 'ValidationErrors', 'Parameter validation errors');
    if (claims.client_id !== `${this.appId}_${this.contractId}`) return digimeError(403, 'InvalidClient', 'bad client');
    const nonce = String(claims.nonce);
    if (this.#nonces.has(nonce)) return digimeError(406, 'InvalidRequest', `The nonce provided in JWT payload (${nonce}) has already been used`);
    this.#nonces.add(nonce);

    if (request.method === 'POST' && path === 'oauth/authorize') {
      const code = token();
      this.#preauth.set(code, { challenge: String(claims.code_challenge), state: String(claims.state), used: false, page: 'authorize' });
      return json(201, { token: await this.sign({ preauthorization_code: code }), session: { key: token(), expiry: this.#now() + 3600_000 } });
    }
    if (request.method === 'POST' && path === 'oauth/token') return this.#token(claims);
    if (request.method === 'POST' && path === 'oauth/token/reference' && claims.code_challenge !== undefined) {
      // Renewing a consent: the access token only names it, expired or not.
      if (!this.#issuedAccess.has(String(claims.access_token))) return digimeError(401, 'InvalidToken', 'The token (access_token) is invalid');
      const code = token();
      this.#preauth.set(code, { challenge: String(claims.code_challenge), state: String(claims.state), used: false, page: 'user-reauth' });
      return json(201, { token: await this.sign({ reference_code: code }), session: { key: token(), expiry: this.#now() + 3600_000 } });
    }

    const accessToken = String(claims.access_token);
    const accessExpiry = this.#access.get(accessToken);
    if (accessExpiry === undefined || accessExpiry * 1000 <= this.#now()) {
      return digimeError(401, 'InvalidToken', 'The token (access_token) is invalid');
    }
    if (request.method === 'POST' && path === 'oauth/token/reference') {
      const code = token();
      this.#preauth.set(code, { challenge: '', state: String(claims.state), used: false, page: 'onboard' });
      return json(201, { token: await this.sign({ reference_code: code }), session: { key: token(), expiry: this.#now() + 3600_000 } });
    }
    if (request.method === 'POST' && path === 'permission-access/trigger') {
      const key = token();
      this.#sessions.set(key, { polls: 0 });
      return json(202, { session: { key, expiry: this.#now() + 3600_000 } });
    }
    if (request.method === 'GET' && path === 'permission-access/accounts') {
      return json(200, [{ id: 'acc-1', reference: 'ref-1', type: 'USER', serviceGroupId: 5, serviceTypeId: 19 }]);
    }
    if (request.method === 'DELETE' && path === 'user') return new Response(null, { status: 204 });
    const query = /^permission-access\/query\/([^/]+)(?:\/(.+))?$/.exec(path);
    if (query) {
      const session = this.#sessions.get(decodeURIComponent(query[1] ?? ''));
      if (!session) return digimeError(404, 'NotFound', 'Not found');
      if (query[2] === undefined) {
        session.polls++;
        const state = this.pollStates[Math.min(session.polls, this.pollStates.length) - 1] ?? 'completed';
        const fileList = [...this.files.entries()]
          .filter(([, f]) => f.fromPoll <= session.polls)
          .map(([name, f]) => ({ name, updatedDate: f.fromPoll * 1000, objectType: '406' }));
        return json(200, { status: { state }, fileList });
      }
      const file = this.files.get(decodeURIComponent(query[2]));
      if (!file) return digimeError(404, 'NotFound', 'Not found');
      return new Response(new Uint8Array(encryptFile(this.#appPublicKey, file.content, file.compression)), {
        status: 200,
        headers: {
          'content-type': 'application/octet-stream',
          'x-metadata': metadataHeader(file.metadata, file.compression === 'none' ? undefined : file.compression),
          'last-modified': new Date(this.#now()).toUTCString(),
        },
      });
    }
    return digimeError(404, 'NotFound', `No route ${request.method} ${path}`);
  }

  #consentPage(url: URL, page: string): Response {
    const code = url.searchParams.get('code') ?? '';
    const preauth = this.#preauth.get(code);
    if (!preauth || preauth.used || preauth.page !== page) {
      return new Response('<p>Unknown code</p>', { status: 400, headers: { 'content-type': 'text/html' } });
    }
    preauth.used = true;
    const target = new URL(this.redirectUri);
    target.searchParams.set('state', preauth.state);
    if (url.searchParams.get('autoConsent') === 'deny' || this.consentDecision === 'deny') {
      target.searchParams.set('success', 'false');
      target.searchParams.set('errorCode', 'ConsentDenied');
      target.searchParams.set('errorMessage', 'The user denied consent');
    } else if (preauth.page === 'onboard') {
      target.searchParams.set('success', 'true');
      target.searchParams.set('accountReference', 'ref-2');
    } else {
      const authCode = token();
      this.#codes.set(authCode, { challenge: preauth.challenge, used: false });
      target.searchParams.set('success', 'true');
      target.searchParams.set('code', authCode);
      target.searchParams.set('accountReference', 'ref-1');
    }
    return new Response(null, { status: 302, headers: { location: target.href } });
  }

  async #token(claims: Record<string, unknown>): Promise<Response> {
    if (claims.grant_type === 'authorization_code') {
      const code = this.#codes.get(String(claims.code));
      const challenge = createHash('sha256').update(String(claims.code_verifier)).digest('base64url');
      if (!code || code.used || code.challenge !== challenge) return digimeError(400, 'InvalidGrant', 'bad code');
      code.used = true;
      return this.#issue(this.#now() / 1000 + this.refreshTtlSeconds, token());
    }
    if (claims.grant_type === 'refresh_token') {
      const refresh = String(claims.refresh_token);
      const expiry = this.#refresh.get(refresh);
      if (expiry === undefined || expiry * 1000 <= this.#now()) {
        return digimeError(401, 'InvalidToken', 'The token (refresh_token) is invalid');
      }
      return this.#issue(expiry, refresh);
    }
    return digimeError(400, 'ValidationErrors', 'Parameter validation errors');
  }

  async #issue(refreshExpiry: number, refreshValue: string): Promise<Response> {
    const access = token();
    const accessExpiry = Math.floor(this.#now() / 1000) + this.accessTtlSeconds;
    this.#access.set(access, accessExpiry);
    this.#issuedAccess.add(access);
    this.#refresh.set(refreshValue, Math.floor(refreshExpiry));
    const payload = {
      access_token: { value: access, expires_on: accessExpiry },
      refresh_token: { value: refreshValue, expires_on: Math.floor(refreshExpiry) },
      sub: 'user-1',
      consentid: 'consent-1',
      identifier: { id: 'user-1' },
      token_type: 'Bearer',
    };
    return json(201, { token: await this.sign(payload) });
  }
}
