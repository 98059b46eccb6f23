/**
 * Provider verification: the pact `digime-sdk-ts` → `digime-api` replayed against the real Express
 * mock server, with the provider kit's state handlers and request filter. From a Pact Broker when
 * `PACT_BROKER_BASE_URL` is set, else from contracts/pacts/, which the consumer run writes.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACT_FILE } from '../names.js';
import { missingStateHandlers, pactSourceFromEnv } from '../../mock-server/pact/index.js';
import { startProvider, verify, type Provider, type VerificationOutcome } from './support/provider.js';

const fromBroker = Boolean(process.env.PACT_BROKER_BASE_URL);

let provider: Provider;
let outcome: VerificationOutcome;
beforeAll(async () => {
  if (!fromBroker && !existsSync(PACT_FILE)) {
    throw new Error(`No pact at ${PACT_FILE}: the consumer tests write it (npm run test:contracts runs both sides in order)`);
  }
  provider = await startProvider();
  outcome = await verify(provider, pactSourceFromEnv([PACT_FILE]));
});
afterAll(() => provider?.close());

describe('digime-api (the mock server) honours the digime-sdk-ts pact', () => {
  it.skipIf(fromBroker)('has a state handler for every provider state in the pact', () => {
    expect(missingStateHandlers(PACT_FILE, provider.kit.stateHandlers)).toEqual([]);
  });

  it('verifies every interaction', () => {
    expect(outcome.failures).toEqual([]);
    expect(outcome.passed).toBe(true);
  });

  it.skipIf(fromBroker)("answers with tokens whose payloads have the shape of the pact's example tokens", () => {
    // Authorize, the code exchange and the refresh answer with a JWS that Pact matches by form only.
    expect(provider.kit.jwsPayloads.checked).toBeGreaterThanOrEqual(3);
    expect(provider.kit.jwsPayloads.mismatches).toEqual([]);
  });
});
