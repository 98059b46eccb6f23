import { createAutoConsentHandler, createDigimeClient } from '../../src/index.js';
import type { DigimeClientOptions, TokenChangeEvent } from '../../src/index.js';
import { FakeDigime } from './fake-digime.js';
import type { FakeDigimeOptions } from './fake-digime.js';
import { testKeyPair } from './keys.js';

/** 2023-11-14T22:13:20Z: any fixed instant will do. */
export const START = 1_700_000_000_000;

/** A client wired to a `FakeDigime`, both on one controllable clock. */
export function setup(overrides: Partial<DigimeClientOptions> = {}, fakeOptions: Partial<FakeDigimeOptions> = {}) {
  const clock = {
    now: START,
    advance(seconds: number) {
      this.now += seconds * 1000;
    },
  };
  const app = testKeyPair('fake-app');
  const fake = new FakeDigime({ now: () => clock.now, appPublicKey: app.publicKey, ...fakeOptions });
  const changes: TokenChangeEvent[] = [];
  const client = createDigimeClient({
    appId: fake.appId,
    contractId: fake.contractId,
    privateKey: app.privatePem,
    baseUrl: fake.baseUrl,
    onboardUrl: fake.onboardUrl,
    cloudBaseUrl: fake.cloudBaseUrl,
    redirectUri: fake.redirectUri,
    consentHandler: createAutoConsentHandler(),
    fetch: fake.fetch,
    now: () => clock.now,
    onTokenChange: (event) => {
      changes.push(event);
    },
    pollIntervalMs: 0,
    ...overrides,
  });
  return { clock, fake, client, changes, app };
}
