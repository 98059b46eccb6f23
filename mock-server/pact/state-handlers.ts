/**
 * Provider state handlers for verifying digi.me API pacts against the mock server. Every state is
 * set up through the mock's core, the way a real client would have got there: the app contract is
 * registered, consent is given on the core's consent flow (authorize with a PKCE challenge, the
 * consent decision, the code exchange), sessions are triggered, a provider is onboarded on the
 * onboard page's decision, storage files are uploaded as the app would, and time passes by moving
 * the mock clock. States whose interactions change a user's library work on a user made for the
 * interaction, removed again at its tear-down. What a state produces (tokens, the code and its verifier, the session key, a file
 * name) is recorded in the `ProviderStateContext` for the request filter, and returned to Pact as
 * provider-state values for `fromProviderState` expressions.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { VerifierOptions } from '@pact-foundation/pact';
import { z } from 'zod';
import { formatIssues, type AppView, type Authority } from '../core/index.js';
import type { ProviderStateContext, StateClaims } from './state-context.js';
import { DIGIME_STATES, type DigimeStateValues } from './states.js';

/** Pact's state handler map, as `Verifier` takes it. */
export type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;

export interface DigimeAppContract {
  appId: string;
  contractId: string;
  /** The contract's key pair: the private key (the public one is derived) or the public key PEM. */
  privateKey?: KeyObject | string;
  publicKey?: string;
}

export interface DigimeStateHandlersOptions {
  /** Where the produced tokens, code and session go, for the request filter. */
  context: ProviderStateContext;
  /** The app contract whose pacts are verified; every state makes sure it is registered with this key. */
  app: DigimeAppContract;
  /** Fixture user who consents when a state's params name none. Default: the server's `defaultUser`. */
  userId?: string;
  /** `redirect_uri` of the consent the states give. Default: the contract's first, else `https://app.example/callback`. */
  redirectUri?: string;
  /**
   * The server's API base (`http://host:port/v1.7/`): its origin is where the `jku` of tokens the
   * states issue points when the server has no `publicUrl` (which always wins, as it does for every
   * server-signed answer). Default: `http://127.0.0.1:<configured port>`.
   */
  baseUrl?: string;
  /**
   * Put the mock clock back where it was when an interaction's states are torn down (default
   * true), so a state that moved time does not leak into the next interaction.
   */
  restoreClock?: boolean;
}

const userParams = z.object({ userId: z.string().min(1).optional() }).loose();
const appParams = z.object({ appId: z.string().optional(), contractId: z.string().optional() }).loose();
const expiryParams = userParams.extend({ secondsPastExpiry: z.number().positive().finite().optional() });
const sessionParams = userParams.extend({
  progress: z.number().gt(0).lt(1).optional(),
  fileNameContains: z.string().min(1).optional(),
  scope: z.record(z.string(), z.unknown()).optional(),
});

const providerParams = userParams.extend({ sourceId: z.number().int().positive().optional() });
const storageFileParams = userParams.extend({
  path: z.string().regex(/^\/\S*[^/\s]$/, 'must be a file path such as /notes/today.json').optional(),
  content: z.string().optional(),
});

const DEFAULT_SECONDS_PAST_EXPIRY = 60;
const DEFAULT_PROGRESS = 0.5;
const DEFAULT_STORAGE_PATH = '/notes/today.json';
/**
 * Some kilobytes: the file comes down encrypted, and content-type detection (Pact's, for one) takes
 * a short run of random bytes without a NUL for text now and then.
 */
const DEFAULT_STORAGE_CONTENT = JSON.stringify({ notes: 'example', lines: Array.from({ length: 100 }, (_, i) => `line ${i} of an example note`) });

/** A failure to set up a provider state; the message says which state and why. */
export class ProviderStateError extends Error {
  constructor(state: string, message: string) {
    super(`Provider state "${state}": ${message}`);
    this.name = 'ProviderStateError';
  }
}

/**
 * The state handlers for every name in `DIGIME_STATES` (with `appRegistered` named after
 * `options.app.contractId`), ready for `new Verifier({ stateHandlers })`.
 */
export function createDigimeStateHandlers(authority: Authority, options: DigimeStateHandlersOptions): StateHandlers {
  const { context } = options;
  const restoreClock = options.restoreClock ?? true;
  const publicKey = publicKeyPem(options.app);
  const clientId = `${options.app.appId}_${options.app.contractId}`;
  const jku = authority.jwksUrl(options.baseUrl && new URL(options.baseUrl).origin);
  let clockBefore: { offsetMs: number; frozen: boolean } | undefined;
  /** Users made for the current interaction, removed at its tear-down. */
  let madeUsers: string[] = [];

  /**
   * The app contract, registered with the kit's key. A contract the server already has (from its
   * fixtures or configuration) is kept as it is, lifetimes and redirect URIs included; only a
   * different key is replaced, since the filter signs with the kit's.
   */
  const register = (): AppView => {
    const existing = authority.app(clientId);
    if (existing && createPublicKey(existing.publicKeyPem).equals(createPublicKey(publicKey))) return existing;
    return authority.registerApp({
      appId: options.app.appId,
      contractId: options.app.contractId,
      publicKey,
      ...(existing
        ? { name: existing.name, description: existing.description, redirectUris: existing.redirectUris, ttl: existing.ttl }
        : {}),
    });
  };
  const redirectUriOf = (app: AppView) => options.redirectUri ?? app.redirectUris?.[0] ?? 'https://app.example/callback';

  /** authorize with a fresh PKCE pair → the consent page's decision → an authorization code. */
  const giveConsent = (app: AppView, userId: string) =>
    authority.giveConsent({ clientId: app.clientId, userId, redirectUri: redirectUriOf(app), state: 'provider-state' });

  /** Consent, then the code exchange: live access and refresh tokens. */
  const issueTokens = (app: AppView, userId: string) =>
    authority.issueTokens({ clientId: app.clientId, userId, redirectUri: redirectUriOf(app), state: 'provider-state', jku });

  const secondsUntil = (epochMs: number) => (epochMs - authority.clock.now()) / 1000;

  function rememberClock(): void {
    if (restoreClock && clockBefore === undefined) {
      const { offsetMs, frozen } = authority.clock.state();
      clockBefore = { offsetMs, frozen };
    }
  }

  function produced(claims: StateClaims, values: DigimeStateValues): Record<string, string> {
    context.record({ claims, values });
    return Object.fromEntries(Object.entries(context.values).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }

  function parse<T extends z.ZodType>(state: string, schema: T, params: unknown): z.infer<T> {
    const result = schema.safeParse(params ?? {});
    if (!result.success) {
      throw new ProviderStateError(state, `bad params: ${formatIssues(result.error.issues.slice(0, 1))}`);
    }
    return result.data;
  }

  /**
   * A handler with `setup` and `teardown`, whose failures name the state (pact-js only logs a
   * failed set-up, then replays the request anyway). It is callable as well (calling it sets up):
   * pact-js types `VerifierOptions.stateHandlers` as HTTP and message handlers at once, and only a
   * function with `setup`/`teardown` members satisfies both; at run time pact-js uses the members.
   */
  function handler(state: string, run: (params: unknown) => Promise<Record<string, string>>) {
    const setup = async (params?: unknown): Promise<Record<string, string>> => {
      rememberClock();
      try {
        return await run(params);
      } catch (error) {
        const failure =
          error instanceof ProviderStateError ? error : new ProviderStateError(state, (error as Error)?.message ?? String(error));
        context.recordFailure(failure.message);
        throw failure;
      }
    };
    const teardown = async (): Promise<undefined> => {
      context.clear();
      for (const id of madeUsers) {
        try {
          authority.removeUser(id);
        } catch {
          // Already gone (a reset, say).
        }
      }
      madeUsers = [];
      if (clockBefore !== undefined) {
        const { offsetMs, frozen } = clockBefore;
        clockBefore = undefined;
        authority.clock.reset();
        if (offsetMs !== 0) authority.clock.advance(offsetMs / 1000);
        if (frozen) authority.clock.freeze(true);
      }
      return undefined;
    };
    return Object.assign((params?: unknown) => setup(params), { setup, teardown });
  }

  const userOf = (params: { userId?: string | undefined }) => params.userId ?? options.userId ?? authority.config.defaultUser;

  const tokenState = (state: string) =>
    handler(state, async (raw) => {
      const params = parse(state, userParams, raw);
      const { access, refresh } = await issueTokens(register(), userOf(params));
      return produced(
        { access_token: access.value, refresh_token: refresh.value },
        { userId: userOf(params), accessToken: access.value, refreshToken: refresh.value },
      );
    });

  const expiryState = (state: string, which: 'access' | 'refresh') =>
    handler(state, async (raw) => {
      const params = parse(state, expiryParams, raw);
      const { access, refresh } = await issueTokens(register(), userOf(params));
      const past = params.secondsPastExpiry ?? DEFAULT_SECONDS_PAST_EXPIRY;
      const expiring = which === 'access' ? access : refresh;
      authority.clock.advance(secondsUntil(expiring.expiresAt) + past);
      if (which === 'access' && authority.clock.now() >= refresh.expiresAt) {
        throw new ProviderStateError(
          state,
          `the refresh token would expire too (refresh lifetime ≤ access lifetime + ${past} s); lower secondsPastExpiry or the access token TTL`,
        );
      }
      return produced(
        { access_token: access.value, refresh_token: refresh.value },
        { userId: userOf(params), accessToken: access.value, refreshToken: refresh.value },
      );
    });

  const sessionState = (state: string, phase: 'running' | 'completed') =>
    handler(state, async (raw) => {
      const params = parse(state, sessionParams, raw);
      const app = register();
      const { access, refresh } = await issueTokens(app, userOf(params));
      const { sessionKey } = authority.startSession({
        clientId: app.clientId,
        accessToken: access.value,
        sessionOptions: params.scope ? { scope: params.scope } : {},
      });
      const { pendingSeconds, runningSeconds } = authority.config.sync;
      const progress = params.progress ?? DEFAULT_PROGRESS;
      authority.clock.advance(phase === 'running' ? pendingSeconds + runningSeconds * progress : pendingSeconds + runningSeconds + 1);
      const list = authority.readFileList(authority.trustedRequest(app.clientId, { access_token: access.value }), sessionKey);
      if (list.status.state !== phase) {
        throw new ProviderStateError(state, `the session is ${list.status.state}, not ${phase} (sync timing: ${JSON.stringify(authority.config.sync)})`);
      }
      const names = list.fileList.map((f) => f.name);
      const fileName = names.find((n) => params.fileNameContains === undefined || n.includes(params.fileNameContains));
      if (fileName === undefined) {
        throw new ProviderStateError(
          state,
          params.fileNameContains === undefined
            ? 'the session lists no file yet (raise progress)'
            : `no listed file name contains "${params.fileNameContains}"`,
        );
      }
      return produced(
        { access_token: access.value, refresh_token: refresh.value },
        { userId: userOf(params), accessToken: access.value, refreshToken: refresh.value, sessionKey, fileName },
      );
    });

  const trusted = (app: AppView, accessToken?: string) =>
    authority.trustedRequest(app.clientId, accessToken === undefined ? {} : { access_token: accessToken });

  /** A user made for this interaction (a copy of the state's user), with tokens. */
  async function freshUserTokens(params: { userId?: string | undefined }) {
    const app = register();
    const { id, accounts } = authority.createUser({ template: userOf(params) });
    madeUsers.push(id);
    const { access, refresh } = await issueTokens(app, id);
    return { app, userId: id, accounts, access, refresh };
  }

  const tokenValues = (userId: string, access: { value: string }, refresh: { value: string }) => ({
    claims: { access_token: access.value, refresh_token: refresh.value },
    values: { userId, accessToken: access.value, refreshToken: refresh.value },
  });

  /** The catalogue's first approved push source. */
  const firstProvider = (app: AppView): number | undefined =>
    (authority.querySources(trusted(app), { query: { filter: { type: { id: [2] }, publishedStatus: ['approved'] } } }).data[0] as { id: number } | undefined)?.id;

  const accountStates = {
    [DIGIME_STATES.userAccount]: handler(DIGIME_STATES.userAccount, async (raw) => {
      const params = parse(DIGIME_STATES.userAccount, userParams, raw);
      // A consent without a scope covers every account of the user's.
      const { userId, accounts, access, refresh } = await freshUserTokens(params);
      const [account] = accounts;
      if (!account) throw new ProviderStateError(DIGIME_STATES.userAccount, `"${userOf(params)}" has no account`);
      const { claims, values } = tokenValues(userId, access, refresh);
      return produced(claims, { ...values, accountId: account.id });
    }),
    [DIGIME_STATES.providerAccount]: handler(DIGIME_STATES.providerAccount, async (raw) => {
      const state = DIGIME_STATES.providerAccount;
      const params = parse(state, providerParams, raw);
      const { app, userId, access, refresh } = await freshUserTokens(params);
      const sourceId = params.sourceId ?? firstProvider(app);
      if (sourceId === undefined) throw new ProviderStateError(state, 'the catalogue has no approved push source');
      await authority.onboardService({ clientId: app.clientId, accessToken: access.value, service: String(sourceId), redirectUri: redirectUriOf(app) });
      const account = authority.readAccounts(trusted(app, access.value)).find((a) => a.sourceId === sourceId);
      if (!account) throw new ProviderStateError(state, `onboarding source ${sourceId} gave the user no account there (is it an approved push source?)`);
      const { claims, values } = tokenValues(userId, access, refresh);
      return produced(claims, { ...values, accountId: account.id });
    }),
    [DIGIME_STATES.writableLibrary]: handler(DIGIME_STATES.writableLibrary, async (raw) => {
      const state = DIGIME_STATES.writableLibrary;
      const params = parse(state, userParams, raw);
      if (register().accessType !== 'w') throw new ProviderStateError(state, `the contract ${clientId} only reads (accessType "r"): it may not push`);
      const { userId, access, refresh } = await freshUserTokens(params);
      const { claims, values } = tokenValues(userId, access, refresh);
      return produced(claims, values);
    }),
    [DIGIME_STATES.userStorage]: handler(DIGIME_STATES.userStorage, async (raw) => {
      const params = parse(DIGIME_STATES.userStorage, userParams, raw);
      const app = register();
      const { access, refresh } = await issueTokens(app, userOf(params));
      const { id } = authority.userStorage(trusted(app, access.value));
      const { claims, values } = tokenValues(userOf(params), access, refresh);
      return produced(claims, { ...values, storageId: id });
    }),
    [DIGIME_STATES.storageFile]: handler(DIGIME_STATES.storageFile, async (raw) => {
      const params = parse(DIGIME_STATES.storageFile, storageFileParams, raw);
      const app = register();
      const { access, refresh } = await issueTokens(app, userOf(params));
      const { id } = authority.userStorage(trusted(app, access.value));
      authority.storeStorageFile({
        clientId: app.clientId,
        storageId: id,
        path: params.path ?? DEFAULT_STORAGE_PATH,
        content: Buffer.from(params.content ?? DEFAULT_STORAGE_CONTENT, 'utf8'),
      });
      const { claims, values } = tokenValues(userOf(params), access, refresh);
      return produced(claims, { ...values, storageId: id });
    }),
    [DIGIME_STATES.provisionalStorage]: handler(DIGIME_STATES.provisionalStorage, async () => {
      const { id } = authority.createProvisionalStorage(trusted(register()));
      return produced({}, { storageId: id });
    }),
  };

  const appState = DIGIME_STATES.appRegistered(options.app.contractId);
  return {
    // Pact calls set-up and tear-down with an empty name for interactions without a state.
    [DIGIME_STATES.none]: handler(DIGIME_STATES.none, async () => produced({}, {})),
    [appState]: handler(appState, async (raw) => {
      const params = parse(appState, appParams, raw);
      for (const key of ['appId', 'contractId'] as const) {
        if (params[key] !== undefined && params[key] !== options.app[key]) {
          throw new ProviderStateError(appState, `params name ${key} "${params[key]}", but the kit verifies "${options.app[key]}"`);
        }
      }
      register();
      return produced({}, {});
    }),
    [DIGIME_STATES.authorizationCodeIssued]: handler(DIGIME_STATES.authorizationCodeIssued, async (raw) => {
      const params = parse(DIGIME_STATES.authorizationCodeIssued, userParams, raw);
      const { code, codeVerifier } = await giveConsent(register(), userOf(params));
      return produced({ code, code_verifier: codeVerifier }, { userId: userOf(params), code, codeVerifier });
    }),
    [DIGIME_STATES.validAccessToken]: tokenState(DIGIME_STATES.validAccessToken),
    [DIGIME_STATES.validRefreshToken]: tokenState(DIGIME_STATES.validRefreshToken),
    [DIGIME_STATES.accessTokenExpired]: expiryState(DIGIME_STATES.accessTokenExpired, 'access'),
    [DIGIME_STATES.refreshTokenExpired]: expiryState(DIGIME_STATES.refreshTokenExpired, 'refresh'),
    [DIGIME_STATES.sessionRunning]: sessionState(DIGIME_STATES.sessionRunning, 'running'),
    [DIGIME_STATES.sessionCompleted]: sessionState(DIGIME_STATES.sessionCompleted, 'completed'),
    ...accountStates,
  };
}

function publicKeyPem(app: DigimeAppContract): string {
  if (app.publicKey) return app.publicKey;
  if (!app.privateKey) throw new Error('createDigimeStateHandlers: app needs privateKey or publicKey');
  return createPublicKey(app.privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
