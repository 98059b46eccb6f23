/** `GET permission-access/accounts` (docs/protocol.md §5): a bare array the official Node SDK accepts. */
import { describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness } from '../support/harness.js';
import { accounts, AccountsResponse } from '../support/data.js';

describe('accounts', () => {
  it("answers the consent's accounts as a bare array with every field the Node SDK requires", async () => {
    const h = await createHarness();
    const { payload, params } = await authorizeAndExchange(h);
    const res = await accounts(h, payload.access_token.value);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Array.isArray(res.body)).toBe(true);
    const list = AccountsResponse.parse(res.body);
    expect(list.map((a) => a.id)).toEqual(['5_19_demo-spotify', '1_4_demo-instagram', '3_138_demo-bank']);
    expect(list[0]).toMatchObject({
      reference: 'acc-demo-spotify-0001',
      type: 'USER',
      serviceGroupId: 5,
      serviceTypeId: 19,
      serviceTypeName: 'Spotify',
      accessTokenStatus: { authorized: true },
    });
    // The consent redirect's accountReference names one of them, and the consent covers them all.
    expect(list.map((a) => a.reference)).toContain(params.get('accountReference'));
    const consent = h.authority.consent(payload.consentid)!;
    expect(list.map((a) => a.reference)).toEqual(consent.accountReferences);
  });

  it("answers another user's own accounts", async () => {
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h, { user: 'alex' });
    const list = AccountsResponse.parse((await accounts(h, payload.access_token.value)).body);
    expect(list.map((a) => a.reference)).toEqual(['acc-alex-spotify-0001', 'acc-alex-instagram-0001']);
  });

  it('answers 401 InvalidToken for an unknown or expired access token', async () => {
    const h = await createHarness();
    h.authority.clock.freeze(true);
    const { payload } = await authorizeAndExchange(h);
    const unknown = await accounts(h, 'nope');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toMatchObject({ code: 'InvalidToken', message: 'The token (access_token) is invalid' });
    h.authority.clock.advance(86_400);
    expect((await accounts(h, payload.access_token.value)).status).toBe(401);
  });
});
