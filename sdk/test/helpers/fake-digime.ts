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
  /** Path after the API base, onboard base or cloud base, e.g. `oauth/token`. */
  path: string;
  url: string;
  /** The request's headers, names lower-cased. */
  headers: Record<string, string>;
  header: Record<string, unknown> | undefined;
  claims: Record<string, unknown> | undefined;
  /** The JSON body, parsed; undefined for none, and for bytes (see `bytes`). */
  body: unknown;
  /** A body that is not JSON, as sent. */
  bytes: Buffer | undefined;
}

/** A file in the fake's cloud, by `<storageId><path>`, bytes as uploaded. */
export interface FakeStorageFile {
  storageId: string;
  folder: string;
  name: string;
  data: Buffer;
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
  readonly cloudBaseUrl: string;
  readonly requests: RecordedRequest[] = [];
  /** The user's one account (`readAccounts`), and the provider account pushes may go to. */
  readonly accountId = 'acc-1';
  readonly providerAccountId = 'acc-clinic';
  readonly userStorageId = 'storage-user-1';
  readonly storageFiles = new Map<string, FakeStorageFile>();
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
    this.cloudBaseUrl = `${origin}/cloud/v1/`;
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
    const cloud = new URL(this.cloudBaseUrl);
    const isOnboard = url.pathname.startsWith(onboard.pathname);
    const isCloud = url.pathname.startsWith(cloud.pathname);
    const path = url.pathname.slice((isOnboard ? onboard : isCloud ? cloud : base).pathname.length);
    const raw = request.method === 'GET' || request.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await request.arrayBuffer());
    const isJson = raw.length > 0 && !/octet-stream/.test(request.headers.get('content-type') ?? '');
    const record: RecordedRequest = {
      method: request.method,
      path,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      header: undefined,
      claims: undefined,
      body: isJson ? JSON.parse(raw.toString('utf8')) : undefined,
      bytes: raw.length > 0 && !isJson ? raw : undefined,
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
    if (isCloud) return this.#cloud(record);
    if (request.method === 'GET' && path === 'jwks/oauth') return json(200, this.jwks());

    const claims = record.claims;
    if (!claims) return digimeError(406, 'ValidationErrors', 'Parameter validation errors');
    if (claims.client_id !== `${this.appId}_${this.contractId}`) return digimeError(403, 'InvalidClient', 'bad client');
    const nonce = String(claims.nonce);
    if (this.#nonces.has(nonce)) return digimeError(406, 'InvalidRequest', `The nonce provided in JWT payload (${nonce}) has already been used`);
    this.#nonces.add(nonce);

    const appAnswer = this.#appCall(record);
    if (appAnswer) return appAnswer;
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
    const userAnswer = await this.#userCall(record, url);
    if (userAnswer) return userAnswer;
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
      const headers = {
        'content-type': 'application/octet-stream',
        'x-metadata': metadataHeader(file.metadata, file.compression === 'none' ? undefined : file.compression),
        'last-modified': new Date(this.#now()).toUTCString(),
      };
      if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
      return new Response(new Uint8Array(encryptFile(this.#appPublicKey, file.content, file.compression)), { status: 200, headers });
    }
    return digimeError(404, 'NotFound', `No route ${request.method} ${path}`);
  }

  /** Calls the app's key alone signs (docs/protocol.md §9.1, §9.3, §9.6): no access token. */
  #appCall({ method, path, body }: RecordedRequest): Response | undefined {
    if (method === 'GET' && path === 'permission-access/contract') {
      return json(200, {
        id: this.contractId,
        accessType: 'w',
        type: 'ongoing',
        partnerId: this.appId,
        certificate: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n',
        certificateContractSchemaVersion: '1.0.0',
        expirationDate: 4102444800000,
        application: { id: this.appId, name: 'Test App', status: 1, resources: {} },
      });
    }
    if (method === 'POST' && path === 'discovery/sources') {
      const sources = [
        { id: 19, name: 'Spotify', publishedStatus: 'approved', type: { id: 1, name: 'pull' }, service: { id: 19, name: 'Spotify' } },
        { id: 5001, name: 'Clinic', publishedStatus: 'approved', type: { id: 2, name: 'push' }, service: { id: 5001, name: 'Clinic' } },
      ];
      return json(200, { data: sources, limit: sources.length, offset: 0, total: sources.length });
    }
    const list = /^discovery\/(countries|platforms|categories)$/.exec(path);
    if (method === 'POST' && list) {
      const all = [{ id: 1, name: `${list[1]} one` }, { id: 2, name: `${list[1]} two` }];
      const ids = (body as { query?: { filter?: { id?: number[] } } } | undefined)?.query?.filter?.id;
      return json(200, { data: ids ? all.filter((item) => ids.includes(item.id)) : all });
    }
    const datasets = /^permission-access\/sample\/datasets\/(\d+)$/.exec(path);
    if (method === 'GET' && datasets) {
      if (datasets[1] !== '19') return digimeError(404, 'NotFound', 'The source was not found');
      return json(200, { 'user-1': { name: 'User One', description: 'Spotify data of User One' } });
    }
    if (method === 'POST' && path === 'storage') return json(201, { id: 'storage-provisional-1', kid: 'storage-provisional-1_0' });
    if (method === 'POST' && path === 'reference') {
      const { type, value } = (body ?? {}) as { type?: string; value?: string };
      return json(201, { id: `ref-${type}-${value}` });
    }
    return undefined;
  }

  /** Further calls with the user's access token (docs/protocol.md §9.2, §9.5, §9.6, §9.7); the token is already checked. */
  async #userCall({ method, path, headers, bytes }: RecordedRequest, url: URL): Promise<Response | undefined> {
    if (method === 'DELETE' && path === 'permission-access/service/h:accountId') {
      if (headers.accountid !== this.accountId) return digimeError(404, 'NotFound', 'The account was not found');
      return new Response(null, { status: 204 });
    }
    if (method === 'GET' && path === 'permission-access/revoke/h:accountId') {
      if (headers.accountid !== this.accountId) return digimeError(404, 'NotFound', 'The account was not found');
      if (headers.redirecturi !== this.redirectUri) return digimeError(404, 'InvalidRedirectUri', 'The redirect_uri is invalid');
      return json(200, { location: `${this.onboardUrl}revoke?code=${token()}` });
    }
    if (method === 'GET' && path === 'export/medmij/report') {
      if (url.searchParams.get('format') !== 'xml') return digimeError(400, 'ValidationErrors', 'format');
      const period = ['from', 'to'].map((k) => (url.searchParams.has(k) ? ` ${k}="${url.searchParams.get(k)}"` : '')).join('');
      return new Response(`<?xml version="1.0"?><portabilityReport serviceType="medmij"><period${period}/></portabilityReport>`, {
        status: 200,
        headers: { 'content-type': 'application/xml; charset=utf-8' },
      });
    }
    if (method === 'POST' && path === 'permission-access/import') {
      try {
        const { payload, protectedHeader } = await jwtVerify(headers.filedescriptor ?? '', this.#appPublicKey, { algorithms: ['PS512'] });
        if (protectedHeader.typ !== 'JWT' || !bytes) throw new Error('bad push');
        this.pushed.push({ metadata: payload.metadata, bytes });
      } catch {
        return digimeError(400, 'ValidationErrors', 'Parameter validation errors: FileDescriptor');
      }
      return json(201, { status: 'delivered' });
    }
    const provider = /^permission-access\/import\/h:accountId\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'POST' && provider) {
      if (headers.accountid !== this.providerAccountId) return digimeError(404, 'NotFound', 'The account was not found');
      return json(201, { status: 'delivered' });
    }
    if (method === 'GET' && path === 'storage') return json(200, { id: this.userStorageId, kid: `${this.userStorageId}_0` });
    return undefined;
  }

  /** What apps pushed to the library: the descriptor's metadata and the bytes. */
  readonly pushed: { metadata: unknown; bytes: Buffer }[] = [];

  /** The cloud (docs/protocol.md §9.6): a cloud token of the contract, files kept as uploaded. */
  async #cloud(record: RecordedRequest): Promise<Response> {
    const cloudError = (status: number, error: string, message: string) => json(status, { statusCode: status, error, message });
    const bearer = record.headers.authorization?.replace(/^Bearer /, '') ?? '';
    try {
      const { payload, protectedHeader } = await jwtVerify(bearer, this.#appPublicKey, { algorithms: ['PS512'], audience: 'cloud' });
      if (protectedHeader.typ !== 'at+jwt' || payload.sub !== this.appId || payload.iss !== this.contractId) throw new Error('claims');
      if (protectedHeader.kid !== `${this.contractId}_${this.appId}_0`) throw new Error('kid');
    } catch {
      return cloudError(401, 'InvalidToken', 'The cloud token is invalid');
    }
    const m = /^clouds\/([^/]+)\/files\/apps\/([^/]+)(\/.*)$/.exec(record.path);
    if (!m || m[2] !== this.appId) return cloudError(404, 'NotFound', 'Not found');
    const storageId = decodeURIComponent(m[1]!);
    const path = decodeURIComponent(m[3]!);
    const cut = path.lastIndexOf('/') + 1;
    const folder = path.slice(0, cut);
    const name = path.slice(cut);
    const key = `${storageId}${path.toLowerCase()}`;
    const entry = (f: FakeStorageFile) => ({
      id: `${f.storageId}${f.folder}${f.name}`,
      name: f.name.toLowerCase(),
      originalName: f.name,
      path: `/apps/${this.appId.toLowerCase()}${f.folder.toLowerCase()}`,
      originalPath: `/apps/${this.appId}${f.folder}`,
    });
    if (record.method === 'POST') {
      const file = { storageId, folder, name, data: record.bytes ?? Buffer.alloc(0) };
      this.storageFiles.set(key, file);
      return json(201, entry(file));
    }
    if (record.method === 'GET' && name === '') {
      const recursive = new URL(record.url).searchParams.get('recursive') === 'true';
      const files = [...this.storageFiles.values()]
        .filter((f) => f.storageId === storageId && (recursive ? f.folder.toLowerCase().startsWith(folder.toLowerCase()) : f.folder.toLowerCase() === folder.toLowerCase()))
        .map(entry);
      return json(200, { files, total: files.length });
    }
    if (record.method === 'GET') {
      const file = this.storageFiles.get(key);
      if (!file) return cloudError(404, 'NotFound', 'The file was not found');
      return new Response(new Uint8Array(file.data), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    }
    if (record.method === 'DELETE') {
      const gone = [...this.storageFiles.keys()].filter((k) => (name === '' ? k.startsWith(`${storageId}${folder.toLowerCase()}`) : k === key));
      if (gone.length === 0 && name !== '') return cloudError(404, 'NotFound', 'The file was not found');
      for (const k of gone) this.storageFiles.delete(k);
      return new Response(null, { status: 204 });
    }
    return cloudError(405, 'MethodNotAllowed', 'Not allowed');
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
