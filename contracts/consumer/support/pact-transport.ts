/**
 * The consumer tests' transport: the SDK is configured with digi.me's real base URL and this
 * `fetch` carries each request to a Pact mock server instead. Doing it in `fetch` rather than
 * pointing `baseUrl` at the mock keeps everything the pact records independent of the mock's
 * random port (token `jku`s are digi.me's own), and lets one SDK call span several mocks.
 *
 * Why several: a Pact mock answers a request with the first interaction that matches it, so "the
 * trigger is refused with 401, then, after a refresh, the same trigger succeeds" cannot live in
 * one mock. The scenario gets one mock per answer, and each route says which requests it takes.
 *
 * Every request's JWT is also checked against the claims the pact records for that kind of call
 * (examples.ts `CALL_CLAIMS`): same claim names, same protocol constants, a fresh nonce, a current
 * timestamp. The provider replays the recorded claims, so they must be what the SDK really sends.
 * Cloud calls (storage files) go to digi.me's cloud, which the provider serves under `CLOUD_PATH`;
 * their bearer is the contract's cloud token, checked against the recorded one.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  API_PATH,
  APP,
  BASE_URL,
  CALL_CLAIMS,
  CLOUD_BASE_URL,
  CLOUD_PATH,
  CLOUD_TOKEN_HEADER,
  CLOUD_TOKEN_LIFETIME,
  FIXED_CLAIMS,
  type CallKind,
} from './examples.js';

export interface MockRoute {
  /** A running Pact mock (`executeTest`'s argument). */
  mock: { url: string };
  /**
   * Requests this mock takes, each once, as `"METHOD /path"`; a request goes to the first route
   * that still takes it. A route without `takes` takes whatever no earlier route took.
   */
  takes?: string[];
}

export interface SentRequest {
  method: string;
  path: string;
  /** Index of the route (mock) that answered. */
  route: number;
  /** What the bearer was: a request JWT of a kind of call, or a cloud token. */
  call?: CallKind | 'cloud';
  /** A body of bytes, as sent. */
  bytes?: Buffer;
  claims?: Record<string, unknown>;
}

export interface PactTransport {
  fetch: typeof fetch;
  /** Every request the SDK made, in order. */
  sent: SentRequest[];
}

const DIGIME_ORIGIN = new URL(BASE_URL).origin;
const CLOUD = new URL(CLOUD_BASE_URL);

/** The path a request is recorded under: the API's as it is, the cloud's under `CLOUD_PATH`. */
function pactPath(url: URL): string {
  if (url.origin === DIGIME_ORIGIN) return url.pathname;
  if (url.origin === CLOUD.origin && url.pathname.startsWith(CLOUD.pathname)) return `${CLOUD_PATH}/${url.pathname.slice(CLOUD.pathname.length)}`;
  throw new TypeError(`pactTransport: ${url.href} is neither on digi.me's API nor on its cloud`);
}

export function pactTransport(...routes: MockRoute[]): PactTransport {
  const remaining = routes.map((r) => (r.takes ? [...r.takes] : undefined));
  const sent: SentRequest[] = [];

  const transport: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const path = pactPath(url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const key = `${method} ${path}`;

    let route = remaining.findIndex((takes) => takes?.includes(key));
    if (route >= 0) remaining[route]!.splice(remaining[route]!.indexOf(key), 1);
    else route = remaining.findIndex((takes) => takes === undefined);
    if (route < 0) throw new TypeError(`pactTransport: no mock takes ${key}`);

    const record: SentRequest = { method, path, route };
    const authorization = headerOf(init?.headers, 'authorization');
    if (authorization !== undefined) {
      const jwt = authorization.replace(/^Bearer /, '');
      record.claims = decodeJwt(jwt) as Record<string, unknown>;
      if (path.startsWith(`${CLOUD_PATH}/`)) {
        record.call = 'cloud';
        checkCloudToken(jwt, record.claims, key);
      } else {
        record.call = callKind(method, path, record.claims);
        checkRequestJwt(jwt, record.call, record.claims, key);
      }
    }
    if (init?.body instanceof Uint8Array) record.bytes = Buffer.from(init.body);
    sent.push(record);
    return fetch(`${routes[route]!.mock.url}${path}${url.search}`, init);
  };
  return { fetch: transport, sent };
}

function headerOf(headers: HeadersInit | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  return new Headers(headers).get(name) ?? undefined;
}

function callKind(method: string, path: string, claims: Record<string, unknown>): CallKind {
  if (method === 'POST' && path === `${API_PATH}/oauth/authorize`) return 'authorize';
  if (method === 'POST' && path === `${API_PATH}/oauth/token`) return claims.grant_type === 'refresh_token' ? 'refresh' : 'exchange';
  if (method === 'POST' && path === `${API_PATH}/oauth/token/reference`) return claims.code_challenge === undefined ? 'onboard' : 'reauthorize';
  return claims.access_token === undefined ? 'app' : 'user';
}

/** Throws when a cloud token strays from the recorded one: its header, claim names, app, lifetime, or a stale `iat`. */
function checkCloudToken(jwt: string, claims: Record<string, unknown>, request: string): void {
  const problems: string[] = [];
  const header = decodeProtectedHeader(jwt);
  if (JSON.stringify(header) !== JSON.stringify(CLOUD_TOKEN_HEADER)) problems.push(`header ${JSON.stringify(header)}`);
  const names = Object.keys(claims).sort().join(',');
  if (names !== 'aud,exp,iat,iss,sub') problems.push(`claims [${names}], the pact records [aud,exp,iat,iss,sub]`);
  if (claims.sub !== APP.appId || claims.iss !== APP.contractId || claims.aud !== 'cloud') {
    problems.push(`sub ${String(claims.sub)}, iss ${String(claims.iss)}, aud ${String(claims.aud)}`);
  }
  if (typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > 60) problems.push(`iat ${String(claims.iat)} is not the current time`);
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp - claims.iat !== CLOUD_TOKEN_LIFETIME) {
    problems.push(`exp ${String(claims.exp)} is not iat + ${CLOUD_TOKEN_LIFETIME}`);
  }
  if (problems.length > 0) throw new Error(`The cloud token of ${request} does not match the pact: ${problems.join('; ')}`);
}

/** Throws (failing the SDK call, and so the test) when a request JWT strays from the recorded claims. */
function checkRequestJwt(jwt: string, call: CallKind, claims: Record<string, unknown>, request: string): void {
  const recorded: Record<string, unknown> = { ...CALL_CLAIMS[call], client_id: APP.clientId, nonce: '', timestamp: 0 };
  const problems: string[] = [];
  const header = decodeProtectedHeader(jwt);
  if (JSON.stringify(header) !== JSON.stringify({ alg: 'PS512', typ: 'JWT' })) problems.push(`header ${JSON.stringify(header)}`);
  const names = (o: object) => Object.keys(o).sort().join(',');
  if (names(claims) !== names(recorded)) problems.push(`claims [${names(claims)}], the pact records [${names(recorded)}]`);
  for (const name of FIXED_CLAIMS) {
    if (name in recorded && claims[name] !== recorded[name]) {
      problems.push(`${name} ${JSON.stringify(claims[name])}, the pact records ${JSON.stringify(recorded[name])}`);
    }
  }
  if (typeof claims.nonce !== 'string' || !/^[A-Za-z0-9]{32}$/.test(claims.nonce)) problems.push(`nonce ${String(claims.nonce)}`);
  if (typeof claims.timestamp !== 'number' || Math.abs(Date.now() - claims.timestamp) > 60_000) {
    problems.push(`timestamp ${String(claims.timestamp)} is not the current time in ms`);
  }
  if (problems.length > 0) throw new Error(`The request JWT of ${request} does not match the pact: ${problems.join('; ')}`);
}
