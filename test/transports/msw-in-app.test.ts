/**
 * What an app team writes: the SDK, unchanged, against the mock in-process through msw, making
 * the access token and then the refresh token expire on demand. (Quoted in the README.)
 */
import { readFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDigimeMock } from '../../mock-server/msw/index.js';
import { createAutoConsentHandler, createDigimeClient, type OAuthToken } from '../../sdk/src/index.js';

const mock = await createDigimeMock(); // serves digi.me's real URLs, intercepted in-process
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const client = (autoRecoverExpiredCredentials = true) =>
  createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey: readFileSync('fixtures/apps/demo-app.private.TEST-ONLY.pem', 'utf8'),
    redirectUri: 'https://my.app/callback',
    consentHandler: createAutoConsentHandler(),
    autoRecoverExpiredCredentials,
  });

it('refreshes after the access token expires and re-consents after the refresh token expires', async () => {
  const sdk = client();
  const first = await sdk.authorizeOngoingAccess({});
  let token: OAuthToken = first.oAuthToken;

  mock.clock.advance(24 * 3600 + 1); // the access token has expired
  const second = await sdk.authorizeOngoingAccess({ oAuthToken: token });
  expect(second.oAuthToken.accessToken.value).not.toBe(token.accessToken.value);
  expect(second.oAuthToken.refreshToken.value).toBe(token.refreshToken.value);
  token = second.oAuthToken;

  mock.expireTokens({ userId: 'demo' }); // access and refresh tokens; or mock.clock.advance(30 * 24 * 3600)
  const strict = client(false);
  await expect(strict.authorizeOngoingAccess({ oAuthToken: token })).rejects.toMatchObject({ code: 'OAuthTokenExpired' });
  const third = await sdk.authorizeOngoingAccess({ oAuthToken: token });
  expect(third.consented).toBe(true); // consent ran again
  const { accounts } = await sdk.readAccounts({ oAuthToken: third.oAuthToken });
  expect(accounts.map((a) => a.serviceTypeName)).toContain('Spotify');
});
