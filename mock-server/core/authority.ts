/**
 * The mock digi.me authority: the core's one front door, built from a configuration, with a mock
 * clock, a store and a signing key. Transports, the provider kit, the CLI and tests call it; the
 * store and the rule modules stay behind it. It knows nothing of HTTP beyond digi.me's error table.
 */
import * as accountAccess from './account-access.js';
import { adminRefusal, type AdminRequest } from './admin-access.js';
import { deleteAccount } from './accounts.js';
import { appView, registerApp, type AppView } from './apps.js';
import * as catalogue from './catalogue.js';
import { changeClock, ClockRangeError, MockClock, wallClock, type Clock, type ClockChange, type ClockState } from './clock.js';
import { jwksUrl, onboardUrl } from './addresses.js';
import { ConfigError, parseConfig, type AppContractConfig, type MockConfig, type MockConfigInput } from './config.js';
import * as cloud from './cloud.js';
import * as consent from './consent.js';
import { consentPageOptions, consentPageView, type ConsentPageOptions } from './consent-options.js';
import { contractDetails } from './contract.js';
import type { CoreContext } from './context.js';
import { DataPlane } from './data/data-plane.js';
import { loadDataSets } from './data/data-set.js';
import { errors, type ApiError } from './errors.js';
import { Faults, FaultSpecSchema, type AppliedFault, type FaultSpecInput, type FaultView } from './faults.js';
import { checkFixturesDir, loadAppFixtures, loadUserFixtures } from './fixtures.js';
import { describeRequest, Journal, type JournalEntry, type JournalQuery, type RecordedRequest, type RequestDescription } from './journal.js';
import { keyViews, publicKeys, rotateKeys, type KeyView, type Rotation } from './key-rotation.js';
import { SigningKey } from './keys.js';
import type { Scenarios, User } from './model.js';
import { createReference } from './references.js';
import { verifyRequestJwt, type VerifiedRequest } from './request-jwt.js';
import { portabilityReport, type ReportQuery } from './portability.js';
import { connectProvider } from './provider-accounts.js';
import * as push from './push.js';
import { sampleDataSets } from './sample-data.js';
import { resetState } from './reset.js';
import * as runtimeUsers from './runtime-users.js';
import * as seeding from './seeding.js';
import { requireSession, trigger } from './sessions.js';
import * as storage from './storage.js';
import { restoreSnapshot, takeSnapshot, type StateSnapshot } from './state-snapshot.js';
import { Store, type AppContract, type Consent } from './store.js';
import { expireTokens, revokeTokens, type TokenSelector } from './targeted-expiry.js';
import { refreshTokens, requireAccessToken } from './tokens.js';
import { deleteUser } from './users.js';
import { parseInput } from './validation.js';

export interface AuthorityOptions {
  /** A signing key to use instead of the configured key file (tests). */
  signingKey?: SigningKey;
  /** Where the mock clock takes real time from (tests). */
  wallClock?: Clock;
  /** Users to serve instead of those in `fixturesDir/users`. */
  users?: User[];
}

/** An API request as a transport sees it, for faults: its bearer header as it came. */
export interface ObservedRequest {
  method: string;
  path: string;
  authorization?: string;
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

const consentView = ({ sessionOptions: _options, accountAuthorizations: _decisions, accountReferences, ...rest }: Consent): ConsentView => ({
  ...rest,
  accountReferences: [...accountReferences],
});

export class Authority {
  readonly #ctx: CoreContext;
  /** File lists, files and accounts over the users' data fixtures. */
  readonly #data: DataPlane;
  /** The discovery catalogue (fixtures/catalogue.json). */
  #catalogue: catalogue.Catalogue = { countries: [], platforms: [], categories: [], sources: [] };
  /** The control plane: the users as loaded, the app contracts at start, faults, the request journal. */
  readonly #users: runtimeUsers.UserDirectory;
  readonly #startApps = new Map<string, AppContract>();
  readonly #faults = new Faults();
  readonly #journal: Journal;
  /** Counts the calls that may have changed the state, for whoever saves it (the CLI). */
  #changes = 0;

  private constructor(ctx: CoreContext) {
    this.#ctx = ctx;
    this.#data = new DataPlane(ctx);
    this.#users = { fixtures: new Map(), data: this.#data };
    this.#journal = new Journal(ctx.config.journalSize);
  }

  static async create(input: MockConfigInput | MockConfig = {}, options: AuthorityOptions = {}): Promise<Authority> {
    const config = parseConfig(input);
    checkFixturesDir(config.fixturesDir);
    const wall = options.wallClock ?? wallClock;
    const keys = options.signingKey ?? (config.keyFile ? await SigningKey.loadOrCreate(config.keyFile) : await SigningKey.generate());
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
    authority.#catalogue = catalogue.loadCatalogue(config.fixturesDir, ctx.users.values());
    for (const [id, user] of ctx.users) (authority.#users.fixtures as Map<string, User>).set(id, user);
    for (const [id, app] of ctx.store.apps) authority.#startApps.set(id, app);
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
    return { keys: publicKeys(this.#ctx) };
  }

  /** The absolute JWKS URL for the `jku` of server-signed JWS (docs/protocol.md §3). */
  jwksUrl(requestOrigin?: string): string {
    return jwksUrl(this.#ctx.config, requestOrigin);
  }

  /** The consent web client's base URL (O), for links the API hands out (docs/protocol.md §1). */
  onboardUrl(requestOrigin?: string): string {
    return onboardUrl(this.#ctx.config, requestOrigin);
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

  async tokenReference(request: VerifiedRequest, jku: string, body?: unknown) {
    const { reference_code, session } = await consent.tokenReference(this.#ctx, request, body);
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

  automaticDecision(autoConsent: string | null | undefined, options?: Pick<ConsentPageOptions, 'sampleDataAutoOnboard'>) {
    return consent.automaticDecision(this.#ctx, autoConsent, options?.sampleDataAutoOnboard);
  }

  /** The consent-page URL parameters the official SDKs send (docs/protocol.md §9.4). */
  consentPageOptions(param: (name: string) => string | null | undefined): ConsentPageOptions {
    return consentPageOptions(param);
  }

  /** The picker and sample data a consent page shows; ConsentPageError for an unknown sample data set. */
  consentPageView(request: consent.ConsentRequest, options: ConsentPageOptions) {
    return consentPageView(this.#ctx, this.#catalogue, request, options);
  }

  /** The storage a consent page's `storageRef` names; ConsentPageError when it names none of the app's. */
  storageChoice(request: consent.ConsentRequest, storageRef: string | undefined) {
    return consent.storageChoice(this.#ctx, request, storageRef);
  }

  decideConsent(request: consent.ConsentRequest, decision: consent.ConsentDecision) {
    connectProvider(this.#ctx, this.#catalogue, request, decision);
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

  // ---- Contract and discovery (docs/protocol.md §9.1), portability report (§9.7) -----------------

  /** `GET permission-access/contract`: the calling contract's details. */
  contractDetails(request: VerifiedRequest) {
    return contractDetails(request.app);
  }

  /** `POST discovery/sources`. */
  querySources(_request: VerifiedRequest, body: unknown) {
    return catalogue.querySources(this.#catalogue, body);
  }

  /** `POST discovery/countries`. */
  queryCountries(_request: VerifiedRequest, body: unknown) {
    return catalogue.queryCountries(this.#catalogue, body);
  }

  /** `POST discovery/platforms`. */
  queryPlatforms(_request: VerifiedRequest, body: unknown) {
    return catalogue.queryPlatforms(this.#catalogue, body);
  }

  /** `POST discovery/categories`. */
  queryCategories(_request: VerifiedRequest, body: unknown) {
    return catalogue.queryCategories(this.#catalogue, body);
  }

  /** `GET permission-access/sample/datasets/<sourceId>`: the fixture users with an account of that source. */
  sampleDataSets(_request: VerifiedRequest, sourceId: unknown) {
    return sampleDataSets(this.#ctx, this.#catalogue, sourceId);
  }

  /** `GET export/<serviceType>/report`: the XML report of the consent's accounts and provider pushes. */
  portabilityReport(request: VerifiedRequest, serviceType: unknown, query: ReportQuery): string {
    const { consent: c } = requireAccessToken(this.#ctx, request.app, request.claims.access_token);
    const pushes = this.#ctx.store.providerPushes.values();
    return portabilityReport({ consent: c, accounts: this.#data.accounts(c), pushes, serviceType, query, now: this.#ctx.clock.now() });
  }

  // ---- Managing accounts (docs/protocol.md §9.2, §9.3) ---------------------------------------

  /** `DELETE permission-access/service/h:accountId`: the account leaves the user's library, for every app. */
  deleteAccount(request: VerifiedRequest, accountId: unknown): void {
    deleteAccount(this.#ctx, requireAccessToken(this.#ctx, request.app, request.claims.access_token).consent, accountId);
  }

  /** `GET permission-access/revoke/h:accountId`: `{location}`, the revoke page under `onboardUrl`. */
  revokeAccountPermission(request: VerifiedRequest, headers: { accountId: unknown; redirectUri: unknown }, onboardUrl: string) {
    return accountAccess.revokeAccountPermission(this.#ctx, request, headers, onboardUrl);
  }

  /** `POST reference`: an opaque id for a value the app names in a consent-page URL. */
  createReference(request: VerifiedRequest, body: unknown): { id: string } {
    return createReference(this.#ctx, request, body);
  }

  /** What the revoke page is about; ConsentPageError when its link cannot be used. */
  revokeRequest(code: unknown): accountAccess.RevokeRequest {
    return accountAccess.revokeRequest(this.#ctx, code);
  }

  /** Withdraw (`accept`) or Cancel (`deny`) on the revoke page: where the browser goes next. */
  decideRevoke(request: accountAccess.RevokeRequest, decision: 'accept' | 'deny'): string {
    return accountAccess.decideRevoke(this.#ctx, request, decision);
  }

  /** What the reauthorize page is about; ConsentPageError when its link cannot be used. */
  reauthorizeRequest(code: unknown, accountRef: unknown): accountAccess.ReauthorizeRequest {
    return accountAccess.reauthorizeRequest(this.#ctx, code, accountRef);
  }

  /** Approve (`accept`) or Deny (`deny`) on the reauthorize page: where the browser goes next. */
  decideReauthorize(request: accountAccess.ReauthorizeRequest, decision: 'accept' | 'deny'): string {
    return accountAccess.decideReauthorize(this.#ctx, request, decision);
  }

  // ---- Push and storage (docs/protocol.md §9.5, §9.6) ----------------------------------------

  /** `POST permission-access/import`: a file into the user's library, described by a signed `FileDescriptor`. */
  pushToLibrary(request: VerifiedRequest, fileDescriptor: string | undefined, body: Uint8Array | undefined) {
    return push.pushToLibrary(this.#ctx, request, fileDescriptor, body);
  }

  /** `POST permission-access/import/h:accountId/<standard>/<version>`: a FHIR resource for a provider account. */
  pushToProvider(request: VerifiedRequest, to: { accountId: string | undefined; standard: string; version: string; body: unknown }) {
    push.pushToProvider(this.#ctx, this.#catalogue, request, to);
  }

  /** What apps pushed to a user's provider accounts, oldest first. */
  providerPushes(userId: string) {
    return [...this.#ctx.store.providerPushes.values()].filter((p) => p.userId === userId).map((p) => structuredClone(p));
  }

  /** `POST storage`. */
  createProvisionalStorage(request: VerifiedRequest) {
    return storage.createProvisionalStorage(this.#ctx, request);
  }

  /** `GET storage`. */
  userStorage(request: VerifiedRequest) {
    return storage.userStorage(this.#ctx, request);
  }

  /** Cloud calls: each checks its own bearer token (`Authorization` header). */
  uploadStorageFile(authorization: string | undefined, address: cloud.CloudAddress, body: Uint8Array | undefined) {
    return cloud.uploadStorageFile(this.#ctx, authorization, address, body);
  }

  listStorageFiles(authorization: string | undefined, address: cloud.CloudAddress, recursive: boolean) {
    return cloud.listStorageFiles(this.#ctx, authorization, address, recursive);
  }

  downloadStorageFile(authorization: string | undefined, address: cloud.CloudAddress) {
    return cloud.downloadStorageFile(this.#ctx, authorization, address);
  }

  deleteStorageFiles(authorization: string | undefined, address: cloud.CloudAddress): void {
    cloud.deleteStorageFiles(this.#ctx, authorization, address);
  }

  // ---- Control plane (/__admin) --------------------------------------------------------------

  /** Why an admin request is refused (other origin, not this machine, no admin token, not JSON), or undefined. */
  adminRefusal(request: AdminRequest): ApiError | undefined {
    return adminRefusal(this.#ctx, request);
  }

  /** Registers (or replaces) an app contract; its key must be RSA, 2048 bits or more. */
  registerApp(input: AppContractConfig): AppView {
    return appView(registerApp(this.#ctx, input));
  }

  /** The selected tokens expire now (401 InvalidToken from here on); how many. */
  expireTokens(selector: TokenSelector = {}): number {
    return expireTokens(this.#ctx, selector).tokens;
  }

  /** The selected tokens are revoked; how many. */
  revokeTokens(selector: TokenSelector = {}): number {
    return revokeTokens(this.#ctx, selector).tokens;
  }

  /** As `expireTokens`, saying how many tokens of how many app contracts it touched. */
  expireTokensCounted(selector: TokenSelector = {}): { expired: number; apps: number } {
    const { tokens, apps } = expireTokens(this.#ctx, selector);
    return { expired: tokens, apps };
  }

  /** As `revokeTokens`, saying how many tokens of how many app contracts it touched. */
  revokeTokensCounted(selector: TokenSelector = {}): { revoked: number; apps: number } {
    const { tokens, apps } = revokeTokens(this.#ctx, selector);
    return { revoked: tokens, apps };
  }

  /** Back to the state at start (reset.ts); faults and the journal are cleared too. The signing keys stay. */
  reset(): void {
    resetState(this.#ctx, this.#users, this.#startApps);
    this.#faults.clear();
    this.#journal.clear();
    this.markChanged();
  }

  /** The whole state as JSON (state-snapshot.ts): no private key, no token value. */
  state(): StateSnapshot {
    return takeSnapshot(this.#ctx);
  }

  /** Restores a snapshot exactly; a damaged one is 400 ValidationErrors naming what is wrong, and changes nothing. */
  restoreState(snapshot: unknown): void {
    restoreSnapshot(this.#ctx, this.#users, snapshot);
    this.markChanged();
  }

  /** A new signing key; the JWKS keeps the previous one until it is retired (key-rotation.ts). */
  async rotateKeys(options: { retirePrevious?: boolean } = {}): Promise<Rotation> {
    const rotation = await rotateKeys(this.#ctx, options);
    this.markChanged();
    return rotation;
  }

  keys(): KeyView[] {
    return keyViews(this.#ctx);
  }

  /** A user with a copy of a fixture user's accounts and data (runtime-users.ts). */
  createUser(input: runtimeUsers.CreateUserInput = {}): runtimeUsers.CreatedUser {
    return runtimeUsers.createUser(this.#ctx, this.#users, parseInput(runtimeUsers.CreateUserSchema, input));
  }

  /** Removes a user made at run time, with their consents, tokens and sessions. */
  removeUser(id: string): void {
    runtimeUsers.removeUser(this.#ctx, this.#users, id);
  }

  /** Replaces what a user's syncs do (partial or lapsed accounts). */
  setUserScenario(id: string, scenario: runtimeUsers.UserScenarioInput): Scenarios {
    return runtimeUsers.setUserScenario(this.#ctx, this.#users, id, parseInput(runtimeUsers.UserScenarioSchema, scenario) as Scenarios);
  }

  /** A fault for the next matching API requests (faults.ts). */
  addFault(spec: FaultSpecInput): { id: string } {
    return this.#faults.add(parseInput(FaultSpecSchema, spec));
  }

  faults(): FaultView[] {
    return this.#faults.list();
  }

  /** False when there is no such fault. */
  removeFault(id: string): boolean {
    return this.#faults.remove(id);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /**
   * The fault a transport applies to this API request, if one matches (counted as applied). The
   * request JWT in `authorization` is read only when some fault is set.
   */
  takeFault(request: ObservedRequest): AppliedFault | undefined {
    if (this.#faults.empty) return undefined;
    const { authorization, ...rest } = request;
    return this.#faults.take({ ...rest, ...describeRequest(this.#ctx, authorization) });
  }

  /** What a request's bearer JWT says, unverified, secrets fingerprinted: for faults and the journal. */
  describeRequest(authorization: string | undefined): RequestDescription {
    return describeRequest(this.#ctx, authorization);
  }

  /** Journals an API request (journal.ts). */
  recordRequest(request: RecordedRequest): void {
    this.#journal.record(this.#ctx, request);
  }

  /** The journal, newest first. */
  requests(query: JournalQuery = {}): JournalEntry[] {
    return this.#journal.list(this.#ctx, query);
  }

  clearRequests(): void {
    this.#journal.clear();
  }

  /** Notes a call that may have changed the state. */
  markChanged(): void {
    this.#changes++;
  }

  /** How many calls may have changed the state since start: a saver compares it with what it saved. */
  get changes(): number {
    return this.#changes;
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

  /** A service onboarded into the consent behind a live access token, approved on the onboard page. */
  onboardService(seed: { clientId: string; accessToken: string; service: string; redirectUri?: string }) {
    return seeding.onboardService(this.#ctx, seed, (request, decision) => this.decideConsent(request, decision));
  }

  /** A file uploaded by the app to a storage it may use, encrypted for its own key. */
  storeStorageFile(seed: { clientId: string; storageId: string; path: string; content: Uint8Array }) {
    return seeding.storeStorageFile(this.#ctx, seed);
  }
}
