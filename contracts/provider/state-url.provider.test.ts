/**
 * Provider verification once more, as a verifier outside this process does it: against a
 * separately started `digime-mock` command, with every provider state set up (and torn down)
 * through its state-change URL, `POST /__admin/pact/states`. The verifier's own part is what any
 * Pact verifier needs for digi.me: a request filter that signs each replayed request JWT with the
 * app's key and the values the state-change URL answered.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../mock-server/admin-client/index.js';
import { createResignRequestFilter, DIGIME_STATES, JwsPayloadCheck, ProviderStateContext, type StateHandlers } from '../../mock-server/pact/index.js';
import { startCommand, stopAll, type Started } from '../../test/support/cli.js';
import { PACT_FILE } from '../names.js';
import { DEMO_APP, verify, type Provider, type VerificationOutcome } from './support/provider.js';

const fromBroker = Boolean(process.env.PACT_BROKER_BASE_URL);

/** Every state name the kit has, for the demo app's contract. */
const STATE_NAMES = Object.values(DIGIME_STATES).map((s) => (typeof s === 'function' ? s(DEMO_APP.contractId) : s));

let mock: Started;
let outcome: VerificationOutcome;
const calls: string[] = [];
const jwsPayloads = new JwsPayloadCheck(fromBroker ? [] : [PACT_FILE]);

/** State handlers that only forward to the mock's state-change URL and keep what it answers for the filter. */
function remoteStateHandlers(url: string, context: ProviderStateContext): StateHandlers {
  const admin = createAdminClient(url);
  const entries = STATE_NAMES.map((state) => {
    const setup = async (params?: unknown) => {
      calls.push(`setup ${state}`);
      const values = await admin.pactState({ state, params: params as Record<string, unknown> | undefined, action: 'setup' });
      context.record({
        claims: { access_token: values.accessToken, refresh_token: values.refreshToken, code: values.code, code_verifier: values.codeVerifier },
        values,
      });
      return values;
    };
    const teardown = async (params?: unknown) => {
      context.clear();
      await admin.pactState({ state, params: params as Record<string, unknown> | undefined, action: 'teardown' });
      return undefined;
    };
    return [state, Object.assign((params?: unknown) => setup(params), { setup, teardown })] as const;
  });
  return Object.fromEntries(entries) as unknown as StateHandlers;
}

beforeAll(async () => {
  if (!fromBroker && !existsSync(PACT_FILE)) {
    throw new Error(`No pact at ${PACT_FILE}: the consumer tests write it (npm run test:contracts runs both sides in order)`);
  }
  mock = await startCommand(['--port', '0', '--no-persist', '--data-dir', mkdtempSync(join(tmpdir(), 'digime-pact-url-'))]);
  const context = new ProviderStateContext();
  const provider = {
    server: { url: mock.url },
    kit: {
      stateHandlers: remoteStateHandlers(mock.url, context),
      requestFilter: createResignRequestFilter({
        privateKey: DEMO_APP.privateKey,
        clientId: `${DEMO_APP.appId}_${DEMO_APP.contractId}`,
        context,
        onResponse: (response) => jwsPayloads.observe(response),
      }),
    },
  } as unknown as Provider;
  const { pactSourceFromEnv } = await import('../../mock-server/pact/index.js');
  outcome = await verify(provider, pactSourceFromEnv([PACT_FILE]));
}, 120_000);
afterAll(stopAll);

describe('digime-api, as a separate digime-mock process, honours the pact through its state-change URL', () => {
  it('verifies every interaction', () => {
    expect(outcome.failures).toEqual([]);
    expect(outcome.passed).toBe(true);
  });

  it.skipIf(fromBroker)('set up every provider state of the pact through the URL', () => {
    const pact = JSON.parse(readFileSync(PACT_FILE, 'utf8')) as { interactions: { providerStates?: { name: string }[] }[] };
    const states = new Set(pact.interactions.flatMap((i) => (i.providerStates ?? []).map((s) => s.name)));
    expect(states.size).toBeGreaterThanOrEqual(8);
    expect([...states].filter((state) => !calls.includes(`setup ${state}`))).toEqual([]);
  });

  it.skipIf(fromBroker)("answers with tokens whose payloads have the shape of the pact's example tokens", () => {
    expect(jwsPayloads.checked).toBeGreaterThanOrEqual(3);
    expect(jwsPayloads.mismatches).toEqual([]);
  });
});
