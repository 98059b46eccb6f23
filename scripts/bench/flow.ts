/**
 * The whole Ongoing Access flow, as an app's test suite runs it through the SDK: consent, the code
 * exchange and a trigger (`authorizeOngoingAccess`); the sync done (mock clock advanced); the file
 * list and every file read and decrypted (`readAllFiles`); the access token expired (clock
 * advanced a day); the refresh with a new trigger (`authorizeOngoingAccess` with the stored token)
 * and the file list again. In-process over msw, or over HTTP against the command.
 *
 * Its cost is read against the RSA work it needs: every RSA operation of one flow, on the app's
 * side and the mock's, counted by kind and priced at what that kind costs alone on this machine.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { http as mswHttp } from 'msw';
import { setupServer } from 'msw/node';
import { createDigimeMock } from '../../mock-server/msw/index.js';
import { createAutoConsentHandler, createDigimeClient, type DigimeClient, type OAuthToken } from '../../sdk/src/index.js';
import { median } from './measure.js';
import { demoKeyPem } from './request-jwts.js';
import type { RsaKind } from './rsa.js';

/** Seconds from a trigger to a finished sync, and an access token's lifetime, with the mock's defaults (and a second more). */
const SYNC_DONE_S = 2 + 20 + 1;
const ACCESS_EXPIRED_S = 86_400 + 1;

export interface FlowTarget {
  /** A new SDK client, as a test file makes one (with its own key-set cache). */
  client(): DigimeClient;
  /** Moves the mock clock. */
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

function clientOptions(now: () => number) {
  return {
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey: demoKeyPem,
    redirectUri: 'https://my.app/callback',
    consentHandler: createAutoConsentHandler(),
    // The app's clock is the mock's, so an access token the mock has expired is refreshed before use.
    now,
    pollIntervalMs: 10,
  };
}

/** The mock in this process, behind msw. */
export async function mswTarget(): Promise<FlowTarget> {
  const mock = await createDigimeMock();
  const server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  return {
    client: () => createDigimeClient(clientOptions(() => mock.clock.now())),
    advance: async (seconds) => void mock.clock.advance(seconds),
    close: async () => server.close(),
  };
}

/** The command at `url`, over HTTP; the clock moved through /__admin/clock. */
export function httpTarget(url: string): FlowTarget {
  let offsetMs = 0;
  return {
    client: () =>
      createDigimeClient({
        ...clientOptions(() => Date.now() + offsetMs),
        baseUrl: `${url}/v1.7/`,
        onboardUrl: `${url}/apps/saas/`,
      }),
    advance: async (seconds) => {
      const res = await fetch(`${url}/__admin/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: seconds }) });
      if (res.status !== 200) throw new Error(`the clock answered ${res.status}`);
      offsetMs = ((await res.json()) as { offsetMs: number }).offsetMs;
    },
    close: async () => undefined,
  };
}

export interface FlowOutcome {
  files: number;
  /** The first flow's files, decrypted and decompressed. */
  fileBytes: Buffer[];
}

/**
 * `k` flows at once, each with its own client and user consent, in step: the clock moves once for
 * all, when every flow has reached the point where it moves it (one clock serves them all).
 * Milliseconds for the whole.
 */
export async function runFlows(target: FlowTarget, k = 1): Promise<{ ms: number; outcome: FlowOutcome }> {
  const t0 = performance.now();
  const clients = Array.from({ length: k }, () => target.client());
  const first = await Promise.all(clients.map((sdk) => sdk.authorizeOngoingAccess({})));
  await target.advance(SYNC_DONE_S);
  const read = await Promise.all(clients.map((sdk, i) => sdk.readAllFiles({ sessionKey: first[i]!.session.key, oAuthToken: first[i]!.oAuthToken })));
  await target.advance(ACCESS_EXPIRED_S);
  const again = await Promise.all(
    clients.map(async (sdk, i) => {
      const token: OAuthToken = read[i]!.oAuthToken;
      const next = await sdk.authorizeOngoingAccess({ oAuthToken: token });
      if (next.oAuthToken.accessToken.value === token.accessToken.value) throw new Error('the access token was not refreshed');
      return sdk.readFileList({ sessionKey: next.session.key, oAuthToken: next.oAuthToken });
    }),
  );
  const ms = performance.now() - t0;
  const files = read[0]!.files.length;
  if (files === 0 || read.some((r) => r.failures.length > 0 || r.files.length !== files)) throw new Error('a flow did not read every file');
  if (again.length !== k) throw new Error('a flow did not list its files again');
  return { ms, outcome: { files, fileBytes: read[0]!.files.map((f) => f.bytes) } };
}

/** Median milliseconds of `n` flows one after another (after `warm` unmeasured ones). */
export async function flowTimes(target: FlowTarget, n: number, warm = 2): Promise<{ ms: number; runs: number[]; files: number }> {
  let files = 0;
  for (let i = 0; i < warm; i++) await runFlows(target, 1);
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await runFlows(target, 1);
    runs.push(r.ms);
    files = r.outcome.files;
  }
  return { ms: median(runs), runs, files };
}

export type RsaCounts = Record<RsaKind, number>;

/**
 * Counts the RSA operations this process performs while `run` runs, through node:crypto (sign,
 * verify, publicEncrypt, privateDecrypt) or WebCrypto (sign, verify, encrypt, decrypt): the mock
 * signs, verifies and encrypts files with the former; the SDK signs request JWTs with the former,
 * verifies the mock's JWS with jose over the latter, and unwraps files' keys with the latter.
 */
export async function countRsa(run: () => Promise<unknown>): Promise<RsaCounts> {
  const counts: RsaCounts = { sign: 0, verify: 0, encrypt: 0, decrypt: 0 };
  const crypto = createRequire(import.meta.url)('node:crypto') as Record<string, (...args: unknown[]) => unknown>;
  const subtle = globalThis.crypto.subtle as unknown as Record<string, (...args: unknown[]) => unknown>;
  const wrap = (target: Record<string, (...args: unknown[]) => unknown>, name: string, kind: RsaKind) => {
    const original = target[name]!;
    target[name] = function (this: unknown, ...args: unknown[]) {
      counts[kind]++;
      return original.apply(this, args);
    };
    return () => {
      if (target === subtle) delete target[name];
      else target[name] = original;
    };
  };
  const restore = [
    wrap(crypto, 'sign', 'sign'),
    wrap(crypto, 'verify', 'verify'),
    wrap(crypto, 'publicEncrypt', 'encrypt'),
    wrap(crypto, 'privateDecrypt', 'decrypt'),
    wrap(subtle, 'sign', 'sign'),
    wrap(subtle, 'verify', 'verify'),
    wrap(subtle, 'encrypt', 'encrypt'),
    wrap(subtle, 'decrypt', 'decrypt'),
  ];
  syncBuiltinESMExports();
  try {
    await run();
  } finally {
    for (const undo of restore) undo();
    syncBuiltinESMExports();
  }
  return counts;
}

/** How many requests `run` sends through the global fetch (the SDK's; msw intercepts it there). */
export async function countRequests(run: () => Promise<unknown>): Promise<number> {
  const original = globalThis.fetch;
  let n = 0;
  globalThis.fetch = (...args: Parameters<typeof fetch>) => {
    n++;
    return original(...args);
  };
  try {
    await run();
  } finally {
    globalThis.fetch = original;
  }
  return n;
}

const FLOOR_REQUEST = { method: 'POST', headers: { authorization: `Bearer ${'x'.repeat(900)}`, 'content-type': 'application/json' }, body: '{}' };

async function roundTripMs(url: string, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n + 200; i++) {
    const t0 = performance.now();
    const res = await fetch(url, FLOOR_REQUEST);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
  }
  return median(times.slice(200));
}

/**
 * Median ms of one request through msw (the SDK's kind: a POST with a request JWT) to a handler
 * that reads the body and answers a small JSON: what msw costs a request with no work behind it.
 * Run it when no other msw server is listening.
 */
export async function mswRoundTripMs(n = 2000): Promise<number> {
  const server = setupServer(
    mswHttp.all('https://floor.test/*', async ({ request }) => {
      await request.arrayBuffer();
      return new Response('{"status":"ok"}', { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
  server.listen({ onUnhandledRequest: 'error' });
  try {
    return await roundTripMs('https://floor.test/v1.7/x', n);
  } finally {
    server.close();
  }
}

/** The same request with fetch to `url` (a bare Node server): what HTTP costs the client a request with no work behind it. */
export const fetchRoundTripMs = (url: string, n = 2000) => roundTripMs(url, n);

/** Milliseconds (median of 5) to parse the flow's JSON files alone, as the SDK must. */
export function parseMs(files: Buffer[]): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    for (const f of files) JSON.parse(f.toString('utf8'));
    times.push(performance.now() - t0);
  }
  return median(times);
}
