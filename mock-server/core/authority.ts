/**
 * The mock digi.me authority: one object that owns the rules, built from a configuration, with a
 * mock clock, a store and a signing key. Transports (Express, msw) and tests call it; it knows
 * nothing of HTTP beyond digi.me's error table.
 */
import { createPublicKey } from 'node:crypto';
import { ClockRangeError, MockClock, wallClock, type Clock, type ClockState } from './clock.js';
import { ConfigError, parseConfig, type AppContractConfig, type MockConfig, type MockConfigInput } from './config.js';
import * as consent from './consent.js';
import type { CoreContext } from './context.js';
import { DataPlane } from './data/data-plane.js';
import { loadDataSets } from './data/data-set.js';
import { expireTokens, revokeTokens, type TokenSelector } from './control.js';
import { DigimeError, errors } from './errors.js';
import { loadAppFixtures, loadUserFixtures, type User } from './fixtures.js';
import { SigningKey } from './keys.js';
import { verifyRequestJwt, type VerifiedRequest } from './request-jwt.js';
import { sessionView, createSession, requireSession } from './sessions.js';
import { Store, type AppContract } from './store.js';
import { refreshTokens, requireAccessToken } from './tokens.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export interface AuthorityOptions {
  /** A signing key to use instead of the configured key file (tests). */
  signingKey?: SigningKey;
  /** Where the mock clock takes real time from (tests). */
  wallClock?: Clock;
  /** Users to serve instead of those in `fixturesDir/users`. */
  users?: User[];
}

export class Authority implements CoreContext {
  readonly store = new Store();
  readonly users = new Map<string, User>();
  /** File lists, files and accounts over the users' data fixtures. */
  readonly data = new DataPlane(this);

  private constructor(
    readonly config: MockConfig,
    readonly clock: MockClock,
    readonly wallClock: Clock,
    readonly keys: SigningKey,
  ) {}

  static async create(input: MockConfigInput | MockConfig = {}, options: AuthorityOptions = {}): Promise<Authority> {
    const config = parseConfig(input);
    const wall = options.wallClock ?? wallClock;
    const keys = options.signingKey ?? (await SigningKey.loadOrCreate(config.keyFile));
    const authority = new Authority(config, new MockClock({ source: wall }), wall, keys);
    const apps = [...loadAppFixtures(config.fixturesDir), ...config.apps.map((app, i) => ({ source: `Invalid configuration: apps.${i}`, app }))];
    for (const { source, app } of apps) {
      try {
        authority.registerApp(app);
      } catch (err) {
        throw new ConfigError(`${source}: ${(err as Error).message}`);
      }
    }
    for (const user of options.users ?? loadUserFixtures(config.fixturesDir)) authority.users.set(user.id, user);
    authority.data.load(loadDataSets(config.fixturesDir, authority.users.values()));
    return authority;
  }

  /** Registers (or replaces) an app contract; its key must be RSA, 2048 bits or more. */
  registerApp(input: AppContractConfig): AppContract {
    let publicKey;
    try {
      publicKey = createPublicKey(input.publicKey);
    } catch {
      throw errors.validation('publicKey is not a readable PEM public key');
    }
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (publicKey.asymmetricKeyType !== 'rsa' || bits < 2048) {
      throw errors.validation('publicKey must be an RSA key of 2048 bits or more');
    }
    const app: AppContract = {
      clientId: `${input.appId}_${input.contractId}`,
      appId: input.appId,
      contractId: input.contractId,
      name: input.name ?? input.appId,
      description: input.description,
      publicKeyPem: input.publicKey,
      publicKey,
      redirectUris: input.redirectUris,
      ttl: input.ttl,
    };
    this.store.apps.set(app.clientId, app);
    return app;
  }

  /** `GET jwks/oauth`. */
  jwks() {
    return { keys: [this.keys.jwk] };
  }

  /** Checks a request's bearer JWT (PROTOCOL §2). */
  verifyRequest(jwt: string | undefined): Promise<VerifiedRequest> {
    return verifyRequestJwt(jwt, {
      store: this.store,
      wallClock: this.wallClock,
      windowSeconds: this.config.requestJwtWindow,
    });
  }

  async authorize(request: VerifiedRequest, body: unknown, jku: string) {
    const { preauthorization_code, session } = await consent.authorize(this, request, body);
    return { token: await this.keys.signJws({ preauthorization_code }, jku), session };
  }

  async tokenReference(request: VerifiedRequest, jku: string) {
    const { reference_code, session } = await consent.tokenReference(this, request);
    return { token: await this.keys.signJws({ reference_code }, jku), session };
  }

  /** `POST oauth/token`: the authorization-code and refresh grants. */
  async token(request: VerifiedRequest, jku: string): Promise<{ token: string }> {
    const grant = request.claims.grant_type;
    if (grant === 'authorization_code') return { token: (await consent.exchangeCode(this, request, jku)).token };
    if (grant === 'refresh_token') {
      return { token: (await refreshTokens(this, request.app, request.claims.refresh_token, jku)).token };
    }
    throw errors.validation('grant_type must be authorization_code or refresh_token');
  }

  consentRequest(code: unknown, page: consent.ConsentPage) {
    return consent.consentRequest(this, code, page);
  }

  automaticDecision(autoConsent: string | null | undefined) {
    return consent.automaticDecision(this, autoConsent);
  }

  /** The admin API answers peers on this machine (and in-process transports) unless told otherwise. */
  adminAllowed(remoteAddress: string | undefined): boolean {
    return this.config.admin.allowRemote || remoteAddress === undefined || LOOPBACK.test(remoteAddress);
  }

  decideConsent(request: consent.ConsentRequest, decision: consent.ConsentDecision) {
    return consent.decideConsent(this, request, decision);
  }

  /** The consent behind a user-scoped call's `access_token` claim, or 401 InvalidToken. */
  requireAccessToken({ app, claims }: VerifiedRequest) {
    return requireAccessToken(this, app, claims.access_token);
  }

  /** `POST permission-access/trigger`. */
  trigger(request: VerifiedRequest, body: unknown) {
    const { consent: c } = this.requireAccessToken(request);
    const options = consent.sessionOptionsFromBody(body);
    return { session: sessionView(createSession(this, c.clientId, c.consentId, options)) };
  }

  /** `GET permission-access/query/<sessionKey>`: the sync state and the files synced so far. */
  readFileList(request: VerifiedRequest, sessionKey: unknown) {
    const { consent: c } = this.requireAccessToken(request);
    return this.data.fileList(c, requireSession(this, c, sessionKey));
  }

  /** `GET permission-access/query/<sessionKey>/<fileName>`: the file encrypted to the app's key. */
  readFile(request: VerifiedRequest, sessionKey: unknown, fileName: unknown) {
    const { consent: c } = this.requireAccessToken(request);
    return this.data.file(c, requireSession(this, c, sessionKey), fileName);
  }

  /** `HEAD permission-access/query/<sessionKey>/<fileName>`: the file's metadata alone. */
  readFileHead(request: VerifiedRequest, sessionKey: unknown, fileName: unknown) {
    const { consent: c } = this.requireAccessToken(request);
    return this.data.fileHead(c, requireSession(this, c, sessionKey), fileName);
  }

  /** `GET permission-access/accounts`: the consent's accounts, a bare array. */
  readAccounts(request: VerifiedRequest) {
    return this.data.accounts(this.requireAccessToken(request).consent);
  }

  /** `DELETE user`: every consent, token, code and session of this user for this app contract goes. */
  deleteUser(request: VerifiedRequest): void {
    const { consent: c } = this.requireAccessToken(request);
    const { store } = this;
    const gone = new Set<string>();
    for (const [id, other] of store.consents) {
      if (other.clientId === c.clientId && other.userId === c.userId) {
        gone.add(id);
        store.consents.delete(id);
      }
    }
    for (const [jti, t] of store.tokens) {
      if (!gone.has(t.consentId)) continue;
      store.tokens.delete(jti);
      store.presignedAccess.delete(t.family);
    }
    for (const [key, s] of store.sessions) if (s.consentId && gone.has(s.consentId)) store.sessions.delete(key);
    for (const [code, a] of store.authorizationCodes) if (gone.has(a.consentId)) store.authorizationCodes.delete(code);
    for (const [code, p] of store.preauthorizationCodes) {
      if (p.consentId && gone.has(p.consentId)) store.preauthorizationCodes.delete(code);
    }
  }

  /** Control plane: the selected tokens expire now (401 InvalidToken from here on). */
  expireTokens(selector: TokenSelector = {}): number {
    return expireTokens(this, selector);
  }

  /** Control plane: the selected tokens are revoked. */
  revokeTokens(selector: TokenSelector = {}): number {
    return revokeTokens(this, selector);
  }

  /**
   * Control plane: moves the mock clock, in this order: reset, set, advance, freeze. A change that
   * would leave the range of dates is refused as a whole (ValidationErrors, 400).
   */
  changeClock(change: { reset?: boolean; set?: string; advance?: number; freeze?: boolean }): ClockState {
    const { clock } = this;
    const before = clock.state();
    try {
      if (change.reset) clock.reset();
      if (change.set !== undefined) clock.set(Date.parse(change.set));
      if (change.advance !== undefined) clock.advance(change.advance);
    } catch (err) {
      if (!(err instanceof ClockRangeError)) throw err;
      clock.set(before.nowMs);
      clock.freeze(before.frozen);
      throw new DigimeError('ValidationErrors', `Parameter validation errors: ${err.message}`, 400);
    }
    if (change.freeze !== undefined) clock.freeze(change.freeze);
    return clock.state();
  }
}
