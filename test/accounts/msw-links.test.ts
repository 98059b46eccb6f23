/**
 * In-process, the API and the consent pages may live on two origins (docs/protocol.md §9.2): the
 * revoke URL then points at the consent client's origin, where the msw handlers serve the page.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDigimeMock } from '../../mock-server/msw/index.js';
import { DEMO_CLIENT_ID } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

const mock = await createDigimeMock({ baseUrl: 'https://api.digime.test/v1.7/', onboardUrl: 'https://consent.digime.test/apps/saas/' });
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it("hands out the revoke page on the consent client's origin, and the page answers there", async () => {
  const { access } = await mock.authority.issueTokens({ clientId: DEMO_CLIENT_ID, redirectUri: 'https://my.app/revoked' });
  const res = await fetch(`${mock.baseUrl}permission-access/revoke/h:accountId`, {
    headers: {
      authorization: `Bearer ${await signRequest({ access_token: access.value })}`,
      accept: 'application/json',
      accountId: '5_19_demo-spotify',
      redirectUri: 'https://my.app/revoked',
    },
  });
  expect(res.status).toBe(200);
  const { location } = (await res.json()) as { location: string };
  expect(location).toMatch(/^https:\/\/consent\.digime\.test\/apps\/saas\/revoke\?code=/);
  const page = await fetch(location);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Spotify (demo.listener)');
  const decided = await fetch(`${location}&autoConsent=accept`, { redirect: 'manual' });
  expect(decided.headers.get('location')).toBe('https://my.app/revoked?result=success');
});
