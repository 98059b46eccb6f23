/**
 * The partial scenario (docs/protocol.md §5): an account whose sync fails ends `partial` with an error,
 * chosen in the server configuration or in a user's fixture.
 */
import { describe, expect, it } from 'vitest';
import { Authority } from '../../mock-server/core/index.js';
import { authorizeAndExchange, createHarness } from '../support/harness.js';
import { accounts, AccountsResponse, DEMO_ACCOUNTS, fileList, readFile, trigger } from '../support/data.js';

const complete = { pendingSeconds: 0, runningSeconds: 0 };

describe('partial accounts', () => {
  it('ends the session partial when the configuration names an account, keeping what synced before the failure', async () => {
    const h = await createHarness({ sync: { pendingSeconds: 2, runningSeconds: 20 }, scenarios: { partialAccounts: ['acc-demo-bank-0001'] } });
    h.authority.clock.freeze(true);
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const key = (await trigger(h, token)).body.session.key;

    h.authority.clock.advance(10);
    const running = await fileList(h, token, key);
    expect(running.status.state).toBe('running');
    expect(running.status.details![DEMO_ACCOUNTS.bank]).toEqual({ state: 'running' });

    h.authority.clock.advance(20);
    const done = await fileList(h, token, key);
    expect(done.status).toEqual({
      state: 'partial',
      details: {
        [DEMO_ACCOUNTS.spotify]: { state: 'completed' },
        [DEMO_ACCOUNTS.instagram]: { state: 'completed' },
        [DEMO_ACCOUNTS.bank]: {
          state: 'partial',
          error: { code: 'ServiceAuthorizationError', statusCode: 401, message: 'Service authorization required', reauth: true },
        },
      },
    });
    const bankFiles = done.fileList.filter((f) => f.name.startsWith('18_3_138_'));
    expect(bankFiles.map((f) => f.name)).toEqual(
      ['202412', '202501', '202502', '202503', '202504', '202505'].map((m) => `18_3_138_1_201_D${m}_1.json`),
    );
    expect(done.fileList).toHaveLength(12 + 12 + 6);
    // What did sync can be read.
    const { objects } = await readFile(h, token, key, bankFiles[0]!.name);
    expect(objects.length).toBe(bankFiles[0]!.objectCount);

    // The account that needs re-authorisation says so in the account list.
    const list = AccountsResponse.parse((await accounts(h, token)).body);
    expect(list.find((a) => a.id === DEMO_ACCOUNTS.bank)!.accessTokenStatus).toEqual({ authorized: false });
    expect(list.find((a) => a.id === DEMO_ACCOUNTS.spotify)!.accessTokenStatus).toEqual({ authorized: true });
  });

  it('takes the error from the configuration, naming the account by id', async () => {
    const error = { code: 'SourceUnavailable', statusCode: 503, message: 'Spotify is down', retryAfter: 120 };
    const h = await createHarness({ sync: complete, scenarios: { partialAccounts: [{ account: DEMO_ACCOUNTS.spotify, error }] } });
    const { payload, session } = await authorizeAndExchange(h);
    const list = await fileList(h, payload.access_token.value, session.key);
    expect(list.status.state).toBe('partial');
    expect(list.status.details![DEMO_ACCOUNTS.spotify]).toEqual({ state: 'partial', error });
    const accountList = AccountsResponse.parse((await accounts(h, payload.access_token.value)).body);
    expect(accountList.find((a) => a.id === DEMO_ACCOUNTS.spotify)!.accessTokenStatus).toEqual({ authorized: true });
  });

  it("follows a user's fixture: alex's Instagram always ends partial", async () => {
    const h = await createHarness({ sync: complete });
    const { payload, session } = await authorizeAndExchange(h, { user: 'alex' });
    const list = await fileList(h, payload.access_token.value, session.key);
    expect(list.status).toEqual({
      state: 'partial',
      details: {
        '5_19_alex-spotify': { state: 'completed' },
        '1_4_alex-instagram': {
          state: 'partial',
          error: { code: 'ServiceAuthorizationError', statusCode: 401, message: 'Instagram asks the user to sign in again', reauth: true },
        },
      },
    });
  });

  it('is not partial when the scope leaves the failing account out', async () => {
    const h = await createHarness({ sync: complete, scenarios: { partialAccounts: ['acc-demo-bank-0001'] } });
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const key = (await trigger(h, token, { scope: { serviceGroups: [{ id: 5 }] } })).body.session.key;
    expect((await fileList(h, token, key)).status.state).toBe('completed');
  });

  it('rejects a malformed scenario at start, naming the field', async () => {
    await expect(Authority.create({ scenarios: { partialAccounts: [{ account: 'x', error: { code: 'E' } }] } } as never)).rejects.toThrow(
      /scenarios\.partialAccounts\.0/,
    );
  });
});
