/**
 * The mock digi.me authority: the core's one front door, built from a configuration, with a mock
 * clock, a store and a signing key. Transports, the provider kit, the CLI and tests call it; the
 * store and the rule modules stay behind it. It knows nothing of HTTP beyond digi.me's error table.
 */
import { appView, registerApp, type AppView } from './apps.js';
import { changeClock, ClockRangeError, MockClock, wallClock, type Clock, type ClockChange, type ClockState } from './clock.js';
import { jwksUrl } from './addresses.js';
import { ConfigError, parseConfig, type AppContractConfig, type MockConfig, type MockConfigInput } from './config.js';
import * as consent from './consent.js';
import type { CoreContext } from './context.js';
import { DataPlane } from './data/data-plane.js';
import { loadDataSets } from './data/data-set.js';
import { errors } from './errors.js';
import { loadAppFixtures, loadUserFixtures } from './fixtures.js';
import { SigningKey } from './keys.js';
import type { User } from './model.js';
import { verifyRequestJwt, type VerifiedRequest } from './request-jwt.js';
import * as seeding from './seeding.js';
import { requireSession, trigger } from './sessions.js';
import { Store, type Consent } from './store.js';
import { expireTokens, revokeTokens, type TokenSelector } from './targeted-expiry.js';
import { refreshTokens, requireAccessToken } from './tokens.js';
import { deleteUser } from './users.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export interface AuthorityOptions {
  /** A signing key to use instead of the configured key file (tests). */
  signingKey?: SigningKey;
  /** Where the mock clock takes real time from (tests). */
  wallClock?: Clock;
  /** Users to serve instead of those in `fixturesDir/users`. */
  users?: User[];
}

export interface AuthorityOverview {
  kid: string;
  apps: { clientId: string; appId: string; contractId: string; name: string }[];
  users: { id: string; name: string }[];
}

/** What callers outside the core may see of a consent. */
export interface ConsentView {
  consentId: string;
  clientId: string;
  userId: string;
  accountReferences: string[];
  createdAt: number;
  revokedAt?: number;
}

const consentView = ({ sessionOptions: _options, accountReferences, ...rest }: Consent): ConsentView => ({
  ...rest,
  accountReferences: [...accountReferences],
});

export class Authority {
  readonly #ctx: CoreContext;
  /** File lists, files and accounts over the users' data fixtures. */
  readonly #data: DataPlane;

  private constructor(ctx: CoreContext) {
    this.#ctx = ctx;
    this.#data = new DataPlane(ctx);
  }

  static async create(input: MockConfigInput | MockConfig = {}, options: AuthorityOptions = {}): Promise<Authority> {
    const config = parseConfig(input);
    const wall = options.wallClock ?? wallClock;
    const keys = options.signingKey ?? (await SigningKey.loadOrCreate(config.keyFile));
    const ctx: CoreContext = {
      config,
      clock: new MockClock({ source: wall }),
      wallClock: wall,
      store: new Store(),
      keys,
      users: new Map(),
    };
    const authority = new Authority(ctx);
    const apps = [...loadAppFixtures(config.fixturesDir), ...config.apps.map((app, i) => ({ source: `Invalid configuration: apps.${i}`, app }))];
    for (const { source, app } of apps) {
      try {
        registerApp(ctx, app);
      } catch (err) {
        throw new ConfigError(`${source}: ${(err as Error).message}`);
      }
    }
    for (const user of options.users ?? loadUserFixtures(config.fixturesDir)) ctx.users.set(user.id, user);
    authority.#data.load(loadDataSets(config.fixturesDir, ctx.users.values()));
    return authority;
  }

  /** The configuration in force (read-only). */
  get config(): MockConfig {
    return this.#ctx.config;
  }

  /** The mock clock: every lifetime follows it. */
  get clock(): MockClock {
    return this.#ctx.clock;
  }

  // ---- Read models -------------------------------------------------------------------------

  /** What the banner and health show: the signing key's id, the app contracts and the users. */
  overview(): AuthorityOverview {
    return {
      kid: this.#ctx.keys.kid,
      apps: [...this.#ctx.store.apps.values()].map(({ clientId, appId, contractId, name }) => ({ clientId, appId, contractId, name })),
      users: [...this.#ctx.users.values()].map(({ id, name }) => ({ id, name })),
    };
  }

  /** A registered app contract, by `<appId>_<contractId>`. */
  app(clientId: string): AppView | undefined {
    const app = this.#ctx.store.apps.get(clientId);
    return app && appView(app);
  }

  /** A fixture user with their accounts. */
  user(id: string): User | undefined {
    const user = this.#ctx.users.get(id);
    return user && structuredClone(user);
  }

  /** A consent, given or withdrawn; undefined once it is gone (deleted user). */
  consent(consentId: string): ConsentView | undefined {
    const found = this.#ctx.store.consents.get(consentId);
    return found && consentView(found);
  }

  /** Whether a data session is still held (an expired one is, until swept). */
  hasSession(sessionKey: string): boolean {
    return this.#ctx.store.sessions.has(sessionKey);
  }

  // ---- digi.me API -------------------------------------------------------------------------

  /** `GET jwks/oauth`. */
  jwks() {
    return { keys: [this.#ctx.keys.jwk] };
  }

  /** The absolute JWKS URL for the `jku` of server-signed JWS (docs/protocol.md §3). */
  jwksUrl(requestOrigin?: string): string {
    return jwksUrl(this.#ctx.config, requestOrigin);
  }

  /** A compact PS512 JWS signed with the server's key (the form of every server-signed answer). */
  signJws(payload: object, jku?: string): Promise<string> {
    return this.#ctx.keys.signJws(payload, jku);
  }

  /** Checks a request's bearer JWT (docs/protocol.md §2). */
  verifyRequest(jwt: string | undefined): Promise<VerifiedRequest> {
    return verifyRequestJwt(jwt, {
      store: this.#ctx.store,
      wallClock: this.#ctx.wallClock,
      windowSeconds: this.#ctx.config.requestJwtWindow,
    });
  }

  async authorize(request: VerifiedRequest, body: unknown, jku: string) {
    const { preauthorization_code, session } = await consent.authorize(this.#ctx, request, body);
    return { token: await this.signJws({ preauthorization_code }, jku), session };
  }

  async tokenReference(request: VerifiedRequest, jku: string) {
    const { reference_code, session } = await consent.tokenReference(this.#ctx, request);
    return { token: await this.signJws({ reference_code }, jku), session };
  }

  /** `POST oauth/token`: the authorization-code and refresh grants. */
  async token(request: VerifiedRequest, jku: string): Promise<{ token: string }> {
    const grant = request.claims.grant_type;
    if (grant === 'authorization_code') return { token: (await consent.exchangeCode(this.#ctx, request, jku)).token };
    if (grant === 'refresh_token') {
      return { token: (await refreshTokens(this.#ctx, request.app, request.claims.refresh_token, jku)).token };
    }
    throw errors.validation('grant_type must be authorization_code or refresh_token');
  }

  consentRequest(code: unknown, page: consent.ConsentPage) {
    return consent.consentRequest(this.#ctx, code, page);
  }

  automaticDecision(autoConsent: string | null | undefined) {
    return consent.automaticDecision(this.#ctx, autoConsent);
  }

  decideConsent(request: consent.ConsentRequest, decision: consent.ConsentDecision) {
    return consent.decideConsent(this.#ctx, request, decision);
  }

  /** The consent behind a user-scoped call's `access_token` claim, or 401 InvalidToken. */
  requireAccessToken({ app, claims }: VerifiedRequest): { consentId: string; userId: string } {
    const { consent: c } = requireAccessToken(this.#ctx, app, claims.access_token);
    return { consentId: c.consentId, userId: c.userId };
  }

  /** `POST permission-access/trigger`. */
  trigger(request: VerifiedRequest, body: unknown) {
    return trigger(this.#ctx, request, body);
  }

  /** `GET permission-access/query/<sessionKey>`: the sync state and the files synced so far. */
  readFileList(request: VerifiedRequest, sessionKey: unknown) {
    const { consent: c } = requireAccessToken(this.#ctx, request.app, request.claims.access_token);
    return this.#data.fileList(c, requireSession(this.#ctx, c, sessionKey));
  }

  /** `GET permission-access/query/<sessionKey>/<fileName>`: the file encrypted to the app's key. */
  readFile(request: VerifiedRequest, sessionKey: unknown, fileName: unknown) {
    const { consent: c } = requireAccessToken(this.#ctx, request.app, request.claims.access_token);
    return this.#data.file(c, requireSession(this.#ctx, c, sessionKey), fileName);
  }

  /** `HEAD permission-access/query/<sessionKey>/<fileName>`: the file's metadata alone. */
  readFileHead(request: VerifiedRequest, sessionKey: unknown, fileName: unknown) {
    const { consent: c } = requireAccessToken(this.#ctx, request.app, request.claims.access_token);
    return this.#data.fileHead(c, requireSession(this.#ctx, c, sessionKey), fileName);
  }

  /** `GET permission-access/accounts`: the consent's accounts, a bare array. */
  readAccounts(request: VerifiedRequest) {
    return this.#data.accounts(requireAccessToken(this.#ctx, request.app, request.claims.access_token).consent);
  }

  /** `DELETE user`: every consent, token, code and session of this user for this app contract goes. */
  deleteUser(request: VerifiedRequest): void {
    deleteUser(this.#ctx, requireAccessToken(this.#ctx, request.app, request.claims.access_token).consent);
  }

  // ---- Control plane (/__admin) --------------------------------------------------------------

  /** The admin API answers peers on this machine (and in-process transports) unless told otherwise. */
  adminAllowed(remoteAddress: string | undefined): boolean {
    return this.#ctx.config.admin.allowRemote || remoteAddress === undefined || LOOPBACK.test(remoteAddress);
  }

  /** Registers (or replaces) an app contract; its key must be RSA, 2048 bits or more. */
  registerApp(input: AppContractConfig): AppView {
    return appView(registerApp(this.#ctx, input));
  }

  /** The selected tokens expire now (401 InvalidToken from here on). */
  expireTokens(selector: TokenSelector = {}): number {
    return expireTokens(this.#ctx, selector);
  }

  /** The selected tokens are revoked. */
  revokeTokens(selector: TokenSelector = {}): number {
    return revokeTokens(this.#ctx, selector);
  }

  /**
   * Moves the mock clock: reset, set, advance, freeze, in this order. A change that would leave
   * the range of dates is refused as a whole (ValidationErrors, 400).
   */
  changeClock(change: ClockChange): ClockState {
    try {
      return changeClock(this.#ctx.clock, change);
    } catch (err) {
      if (err instanceof ClockRangeError) throw errors.validation(err.message, 400);
      throw err;
    }
  }

  // ---- Seeding (tests and Pact provider states) ----------------------------------------------

  /** A request as the core sees it once its JWT has been checked, for in-process callers acting as the app. */
  trustedRequest(clientId: string, claims: Record<string, unknown> = {}): VerifiedRequest {
    return seeding.trustedRequest(this.#ctx, clientId, claims);
  }

  /** A consent given by a user on the consent page: an authorization code and its PKCE verifier. */
  giveConsent(seed: seeding.ConsentSeed) {
    return seeding.giveConsent(this.#ctx, seed);
  }

  /** A consent and its code exchange: live access and refresh tokens. */
  issueTokens(seed: seeding.ConsentSeed & { jku?: string }): Promise<seeding.SeededTokens> {
    return seeding.issueTokens(this.#ctx, { ...seed, jku: seed.jku ?? this.jwksUrl() });
  }

  /** A data session of the consent behind a live access token. */
  startSession(seed: { clientId: string; accessToken: string; sessionOptions?: unknown }) {
    return seeding.startSession(this.#ctx, seed);
  }
}
