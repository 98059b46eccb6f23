/**
 * A typed client for the mock's control plane (`/__admin`, docs/protocol.md §8.10), for tests and
 * scripts that drive a running mock over HTTP: move its clock, register app contracts, expire or
 * revoke tokens, reset, save and restore state, inject faults, read the request journal, rotate
 * keys, make users, set up Pact provider states.
 *
 *   const admin = createAdminClient('http://127.0.0.1:8080');
 *   await admin.changeClock({ advance: 86_401 }); // every access token issued so far has expired
 *
 * It imports only types from the core, so it loads no server code: one method per admin call, each
 * a request with the body the server validates and the answer it gives.
 */
import type {
  AppContractConfig,
  ApiErrorCode,
  ClockChange,
  ClockState,
  CreatedUser,
  CreateUserInput,
  FaultSpecInput,
  FaultView,
  JournalEntry,
  JournalQuery,
  KeyView,
  Rotation,
  Scenarios,
  StateSnapshot,
  TokenSelector,
  UserScenarioInput,
} from '../core/index.js';

export type {
  AppContractConfig,
  ClockChange,
  ClockState,
  CreatedUser,
  CreateUserInput,
  FaultSpecInput,
  FaultView,
  JournalEntry,
  JournalQuery,
  KeyView,
  Rotation,
  Scenarios,
  StateSnapshot,
  TokenSelector,
  UserScenarioInput,
} from '../core/index.js';

export interface AdminClientOptions {
  /** Sent as `Authorization: Bearer <token>`, for a mock that requires an admin token. */
  token?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** `GET /__admin/health`: the server is ready (it answers any client, with this only). */
export interface AdminHealth {
  status: 'ok';
  /** The key id of the server's signing key (the JWKS's current `kid`). */
  kid: string;
}

/** Pact's state-change request (`POST /__admin/pact/states`). */
export interface PactStateChange {
  state: string;
  params?: Record<string, unknown>;
  action?: 'setup' | 'teardown';
}

/** `POST /__admin/apps`: the contract as registered. */
export interface RegisteredApp {
  /** `<appId>_<contractId>`, the `client_id` of the app's request JWTs. */
  clientId: string;
  appId: string;
  contractId: string;
  name: string;
}

/** A non-2xx answer from the admin API, with digi.me's error code when the body carries one. */
export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
  constructor(
    /** `GET /__admin/clock`, for example. */
    readonly request: string,
    readonly status: number,
    /** digi.me's error code (`ValidationErrors`, `NotFound`, …); undefined when the body had none. */
    readonly code: ApiErrorCode | undefined,
    message: string,
    /** The error body's `reference`, when there is one. */
    readonly reference?: string,
  ) {
    super(`${request} answered ${status}${code ? ` ${code}` : ''}: ${message}`);
  }
}

export interface AdminClient {
  /** The origin the client talks to, e.g. `http://127.0.0.1:8080`. */
  readonly origin: string;
  health(): Promise<AdminHealth>;
  clock(): Promise<ClockState>;
  /** Any of advance (seconds), set (ISO time), freeze, reset; applied in the order reset, set, advance, freeze. */
  changeClock(change: ClockChange): Promise<ClockState>;
  /** Registers (or replaces) an app contract. */
  registerApp(app: AppContractConfig): Promise<RegisteredApp>;
  /** Expires the selected tokens now, without moving the clock; no selector selects all. */
  expireTokens(selector?: TokenSelector): Promise<{ expired: number; apps: number }>;
  /** Revokes the selected tokens; no selector selects all. */
  revokeTokens(selector?: TokenSelector): Promise<{ revoked: number; apps: number }>;
  /** Back to the state at start (records, runtime apps and users, faults, journal, clock); the keys stay. */
  reset(): Promise<{ reset: true; clock: ClockState }>;
  /** The whole state as a snapshot (no private key, no token value). */
  state(): Promise<StateSnapshot>;
  /** Restores a snapshot exactly; a damaged one fails with 400 and changes nothing. */
  restoreState(snapshot: StateSnapshot): Promise<{ restored: true; clock: ClockState }>;
  /** A fault for the next matching API requests: an error answer, a delay, or a dropped connection. */
  addFault(spec: FaultSpecInput): Promise<{ id: string }>;
  faults(): Promise<{ faults: FaultView[] }>;
  removeFault(id: string): Promise<void>;
  clearFaults(): Promise<void>;
  /** The request journal, newest first. */
  requests(query?: JournalQuery): Promise<{ requests: JournalEntry[] }>;
  clearRequests(): Promise<void>;
  /** A new signing key; the JWKS keeps the previous one unless `retirePrevious`. */
  rotateKeys(options?: { retirePrevious?: boolean }): Promise<Rotation>;
  keys(): Promise<{ keys: KeyView[] }>;
  /** A user with a copy of a fixture user's accounts and data. */
  createUser(input?: CreateUserInput): Promise<CreatedUser>;
  /** Removes a user made at run time. */
  removeUser(id: string): Promise<void>;
  /** Changes what a user's syncs do. */
  setUserScenario(id: string, scenario: UserScenarioInput): Promise<{ id: string; scenario: Scenarios }>;
  /** Sets up (or tears down) a Pact provider state: the values it produced. */
  pactState(change: PactStateChange): Promise<Record<string, string>>;
  /** The admin API's OpenAPI 3.1 document. */
  openapi(): Promise<Record<string, unknown>>;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; reference?: unknown };
}

/**
 * A client for the admin API of the mock at `origin` (`http://host:port`; a longer URL such as the
 * SDK's `baseUrl` works too, only its origin is used).
 */
export function createAdminClient(origin: string | URL, options: AdminClientOptions = {}): AdminClient {
  const base = new URL(origin).origin;
  const doFetch = options.fetch ?? globalThis.fetch;

  async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const res = await doFetch(`${base}/__admin${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) {
      let error: ErrorBody['error'];
      try {
        error = (JSON.parse(text) as ErrorBody).error;
      } catch {
        error = undefined;
      }
      const code = typeof error?.code === 'string' ? (error.code as ApiErrorCode) : undefined;
      const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || res.statusText;
      const reference = typeof error?.reference === 'string' ? error.reference : undefined;
      throw new AdminRequestError(`${method} /__admin${path}`, res.status, code, message, reference);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  const query = (q: JournalQuery = {}) => {
    const params = new URLSearchParams(Object.entries(q).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
    return params.size ? `?${params}` : '';
  };
  const id = (value: string) => encodeURIComponent(value);

  return {
    origin: base,
    health: () => call('GET', '/health'),
    clock: () => call('GET', '/clock'),
    changeClock: (change) => call('POST', '/clock', change),
    registerApp: (app) => call('POST', '/apps', app),
    expireTokens: (selector = {}) => call('POST', '/tokens/expire', selector),
    revokeTokens: (selector = {}) => call('POST', '/tokens/revoke', selector),
    reset: () => call('POST', '/reset'),
    state: () => call('GET', '/state'),
    restoreState: (snapshot) => call('PUT', '/state', snapshot),
    addFault: (spec) => call('POST', '/faults', spec),
    faults: () => call('GET', '/faults'),
    removeFault: (faultId) => call('DELETE', `/faults/${id(faultId)}`),
    clearFaults: () => call('DELETE', '/faults'),
    requests: (q) => call('GET', `/requests${query(q)}`),
    clearRequests: () => call('DELETE', '/requests'),
    rotateKeys: (options = {}) => call('POST', '/keys/rotate', options),
    keys: () => call('GET', '/keys'),
    createUser: (input = {}) => call('POST', '/users', input),
    removeUser: (userId) => call('DELETE', `/users/${id(userId)}`),
    setUserScenario: (userId, scenario) => call('PUT', `/users/${id(userId)}/scenario`, scenario),
    pactState: (change) => call('POST', '/pact/states', change),
    openapi: () => call('GET', '/openapi.json'),
  };
}
