import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { TokenVerificationError } from './errors.js';
import { fetchOrThrow, isRecord, serverErrorFrom } from './http.js';
import { checkVerifierOptions } from './server-token-options.js';

export interface ServerTokenVerifierOptions {
  fetch: typeof fetch;
  /** The configured API base; a `jku` is trusted only on its origin. */
  baseUrl: string;
  /** The clock for the key-set cache only. */
  now: () => number;
  /** How long a fetched key set is used before it is fetched again. */
  cacheMs: number;
  /** Tolerance for `exp`/`nbf` (checked against real time), should a server token carry them. */
  clockToleranceMs: number;
}

interface KeySet {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
}

/**
 * Verifies the JWS tokens in digi.me's responses (docs/protocol.md §3): PS512 only; the key chosen by
 * `kid` from the JWKS; a `jku` followed only when it is on the configured `baseUrl` origin (the
 * official SDK follows any `jku`, which lets whoever controls a response choose the key that
 * verifies it); the key set cached, and fetched again when a `kid` is not in it.
 */
export class ServerTokenVerifier {
  readonly #options: ServerTokenVerifierOptions;
  readonly #trustedOrigin: string;
  readonly #defaultJwksUrl: string;
  readonly #cache = new Map<string, KeySet>();
  readonly #inflight = new Map<string, Promise<KeySet>>();

  constructor(options: ServerTokenVerifierOptions) {
    checkVerifierOptions(options);
    this.#options = options;
    this.#trustedOrigin = new URL(options.baseUrl).origin;
    this.#defaultJwksUrl = `${options.baseUrl}jwks/oauth`;
  }

  /** Verifies `token` and returns its payload. Throws `TokenVerificationError`. */
  async verify(token: unknown): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.split('.').length !== 3) {
      throw new TokenVerificationError('malformed', 'The response carries no compact JWS token');
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw new TokenVerificationError('malformed', 'The token header cannot be decoded', { cause: error });
    }
    if (header.alg !== 'PS512') {
      throw new TokenVerificationError('algorithm', `The token is signed with ${String(header.alg)}, not PS512`);
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      throw new TokenVerificationError('malformed', 'The token header has no kid');
    }
    const jwksUrl = this.#jwksUrlFor(header.jku);
    const key = await this.#keyFor(jwksUrl, header.kid);
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['PS512'],
        // exp/nbf against real time: digi.me stamps them by its wall clock, whatever the injectable `now` says.
        clockTolerance: Math.round(this.#options.clockToleranceMs / 1000),
      });
      return payload as Record<string, unknown>;
    } catch (error) {
      const reason = error instanceof joseErrors.JWTClaimValidationFailed || error instanceof joseErrors.JWTExpired
        ? 'claims'
        : 'signature';
      throw new TokenVerificationError(reason, `The token does not verify: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #jwksUrlFor(jku: unknown): string {
    if (jku === undefined) return this.#defaultJwksUrl;
    let url: URL;
    try {
      url = new URL(String(jku));
    } catch {
      throw new TokenVerificationError('untrusted-jku', `The token's jku ${JSON.stringify(jku)} is not a URL`);
    }
    if (url.origin !== this.#trustedOrigin) {
      throw new TokenVerificationError(
        'untrusted-jku',
        `The token's jku ${url.href} is not on the configured origin ${this.#trustedOrigin}`,
      );
    }
    return url.href;
  }

  async #keyFor(jwksUrl: string, kid: string): Promise<KeyObject> {
    const cached = this.#cache.get(jwksUrl);
    const fresh = cached && this.#options.now() - cached.fetchedAt < this.#options.cacheMs ? cached : undefined;
    const found = fresh?.keys.get(kid);
    if (found) return found;
    // Unknown kid or stale set: fetch again (once; concurrent verifications share the fetch).
    const set = await this.#fetchKeySet(jwksUrl);
    const key = set.keys.get(kid);
    if (!key) {
      throw new TokenVerificationError('unknown-kid', `No key with kid ${JSON.stringify(kid)} at ${jwksUrl}`);
    }
    return key;
  }

  #fetchKeySet(jwksUrl: string): Promise<KeySet> {
    let pending = this.#inflight.get(jwksUrl);
    if (!pending) {
      pending = this.#loadKeySet(jwksUrl).finally(() => this.#inflight.delete(jwksUrl));
      this.#inflight.set(jwksUrl, pending);
    }
    return pending;
  }

  async #loadKeySet(jwksUrl: string): Promise<KeySet> {
    let response: Response;
    try {
      response = await fetchOrThrow(this.#options.fetch, jwksUrl, { headers: { accept: 'application/json' } });
    } catch (error) {
      throw new TokenVerificationError('jwks', `Could not fetch the key set ${jwksUrl}`, { cause: error });
    }
    if (!response.ok) {
      const cause = await serverErrorFrom(response, `GET ${jwksUrl}`);
      throw new TokenVerificationError('jwks', `The key set ${jwksUrl} answered ${response.status}`, { cause });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new TokenVerificationError('jwks', `The key set ${jwksUrl} is not JSON`, { cause: error });
    }
    if (!isRecord(body) || !Array.isArray(body.keys)) {
      throw new TokenVerificationError('jwks', `The key set ${jwksUrl} has no "keys" array`);
    }
    const keys = new Map<string, KeyObject>();
    for (const entry of body.keys) {
      if (!isRecord(entry) || typeof entry.kid !== 'string') continue;
      const key = importPublicKey(entry);
      if (key) keys.set(entry.kid, key);
    }
    const set = { keys, fetchedAt: this.#options.now() };
    this.#cache.set(jwksUrl, set);
    return set;
  }
}

/** digi.me keys carry `pem` (what the official SDK uses); standard RSA JWK members also work. */
function importPublicKey(entry: Record<string, unknown>): KeyObject | undefined {
  try {
    if (typeof entry.pem === 'string') return createPublicKey(entry.pem);
    if (entry.kty === 'RSA' && typeof entry.n === 'string' && typeof entry.e === 'string') {
      return createPublicKey({ key: { kty: 'RSA', n: entry.n, e: entry.e }, format: 'jwk' });
    }
  } catch {
    // A key that does not import is skipped; a token naming it fails as an unknown kid.
  }
  return undefined;
}
