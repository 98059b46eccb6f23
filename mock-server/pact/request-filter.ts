/**
 * Re-signing replayed requests. A pact records one request JWT, signed when the consumer test ran:
 * its nonce has been used, its timestamp is stale, and its tokens, code and verifier belong to the
 * consumer's mock, not to the provider. Before each replayed request reaches the provider, the
 * filter decodes the recorded JWT, keeps its claims (the contract: which claims the consumer
 * sends, and their fixed values such as `grant_type` or `redirect_uri`), swaps in the values the
 * interaction's provider states produced (`access_token`, `refresh_token`, `code`,
 * `code_verifier`), and signs a new JWT with a fresh nonce and the current time, with the app's
 * key, exactly as a digi.me client would (docs/protocol.md §2).
 */
import { randomInt, type KeyObject, createPrivateKey } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import type { ObservedResponse } from './jws-payloads.js';
import type { ProviderStateContext, StateClaims } from './state-context.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh request nonce: 32 characters `[A-Za-z0-9]` (docs/protocol.md §2). */
export function requestNonce(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export interface ResignOptions {
  /** The app contract's private key (PEM or KeyObject): the one the provider knows the public half of. */
  privateKey: KeyObject | string;
  /** `<appId>_<contractId>`. */
  clientId: string;
  /** Values that replace recorded claims of the same name; claims the recording lacks are not added. */
  claims?: Readonly<StateClaims>;
  /** Wall-clock milliseconds for `timestamp`. Default `Date.now`. */
  now?: () => number;
}

/**
 * The recorded request JWT, re-signed: same claims, but `client_id`, a fresh `nonce`, the current
 * `timestamp`, and the state's values for the claims it supplies. Header `{"alg":"PS512","typ":"JWT"}`.
 */
export async function resignRequestJwt(recorded: string, options: ResignOptions): Promise<string> {
  const claims: Record<string, unknown> = { ...decodeJwt(recorded) };
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    // Only claims the consumer sent: adding an access_token to an authorize call would change its meaning.
    if (value !== undefined && name in claims) claims[name] = value;
  }
  claims.client_id = options.clientId;
  claims.nonce = requestNonce();
  claims.timestamp = (options.now ?? Date.now)();
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'PS512', typ: 'JWT' }).sign(key);
}

/**
 * A recorded cloud token (docs/protocol.md §9.6: header `typ: at+jwt`), re-signed: its claims, but
 * `sub` and `iss` of the app contract, `iat` now and `exp` as far after it as the recording had
 * (a minute); header `{"alg":"PS512","typ":"at+jwt","kid":"<contractId>_<appId>_0"}`.
 */
export async function resignCloudToken(recorded: string, options: Omit<ResignOptions, 'claims'>): Promise<string> {
  const claims: Record<string, unknown> = { ...decodeJwt(recorded) };
  const cut = options.clientId.indexOf('_');
  const appId = options.clientId.slice(0, cut);
  const contractId = options.clientId.slice(cut + 1);
  const lifetime = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : 60;
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  Object.assign(claims, { sub: appId, iss: contractId, iat, exp: iat + lifetime });
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'PS512', typ: 'at+jwt', kid: `${contractId}_${appId}_0` }).sign(key);
}

/** Whether a recorded bearer is a cloud token rather than a request JWT. */
function isCloudToken(jwt: string): boolean {
  try {
    return decodeProtectedHeader(jwt).typ === 'at+jwt';
  } catch {
    return false;
  }
}

/** The parts of an Express (or plain Node) request the filter touches. */
export interface FilterableRequest {
  method?: string;
  headers: IncomingHttpHeaders;
  url?: string;
  path?: string;
}

/** The parts of an Express (or plain Node) response the filter touches. */
export interface FilterableResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  write(chunk: unknown, ...rest: unknown[]): boolean;
  end(...args: unknown[]): unknown;
}

/** An Express-style middleware, as pact-js `Verifier` takes it in `requestFilter`. */
export type RequestFilter = (req: FilterableRequest, res: FilterableResponse, next: (error?: unknown) => void) => void;

/** Status and error code of the answer the filter gives when a provider state failed to set up. */
export const STATE_FAILED_STATUS = 500;
export const STATE_FAILED_CODE = 'ProviderStateFailed';

export interface ResignRequestFilterOptions extends Omit<ResignOptions, 'claims'> {
  /** The state context the kit's state handlers write. */
  context: ProviderStateContext;
  /** Paths passed through untouched. Default: pact-js's state set-up path `/_pactSetup`. */
  skipPaths?: string[];
  /** Sees each replayed request's response as the provider sent it (e.g. `JwsPayloadCheck.observe`). */
  onResponse?: (response: ObservedResponse) => void;
}

const BEARER = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)\s*$/i;

/**
 * A `requestFilter` for pact-js's `Verifier`: every replayed request with a bearer JWT gets it
 * re-signed by `resignRequestJwt` with the claims the current interaction's states produced (a
 * cloud token by `resignCloudToken`).
 * Requests without a bearer (the JWKS) and the verifier's own state calls pass unchanged.
 *
 * When a state of the interaction failed to set up, the request does not reach the provider: the
 * filter answers `500` with `{"error":{"code":"ProviderStateFailed","message":…}}`, so the
 * interaction fails and says why. (Replaying it would be worse than useless: an interaction that
 * expects 401 for an expired token would pass against a state that never issued one.)
 */
export function createResignRequestFilter(options: ResignRequestFilterOptions): RequestFilter {
  const skip = new Set(options.skipPaths ?? ['/_pactSetup']);
  const privateKey = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  return (req, res, next) => {
    const path = (req.path ?? req.url ?? '').split('?')[0] ?? '';
    if (skip.has(path)) {
      next();
      return;
    }
    const { failures } = options.context;
    if (failures.length > 0) {
      res.statusCode = STATE_FAILED_STATUS;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { code: STATE_FAILED_CODE, message: failures.join('; ') } }));
      return;
    }
    if (options.onResponse) captureResponse(req, res, path, options.onResponse);
    const recorded = BEARER.exec(req.headers.authorization ?? '')?.[1];
    if (recorded === undefined) {
      next();
      return;
    }
    const signing = { privateKey, clientId: options.clientId, ...(options.now ? { now: options.now } : {}) };
    (isCloudToken(recorded) ? resignCloudToken(recorded, signing) : resignRequestJwt(recorded, { ...signing, claims: options.context.claims })).then(
      (jwt) => {
        req.headers.authorization = `Bearer ${jwt}`;
        next();
      },
      // A recording that is not a JWT is replayed as it is: the provider's answer then tells why.
      () => next(),
    );
  };
}

/** Collects the body the proxy writes back, and hands it over once the response ends. */
function captureResponse(
  req: FilterableRequest,
  res: FilterableResponse,
  path: string,
  onResponse: (response: ObservedResponse) => void,
): void {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = (chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  };
  res.end = (...args: unknown[]) => {
    if (typeof args[0] !== 'function') keep(args[0]);
    try {
      onResponse({ method: req.method ?? 'GET', path, status: res.statusCode, body: Buffer.concat(chunks) });
    } catch {
      // An observer's failure must not break the replay.
    }
    return end(...args);
  };
}
