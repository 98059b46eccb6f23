/**
 * The contract has teeth: the same verification against the real server, each time with one
 * thing broken the SDK relies on, must fail on exactly the interaction that covers it. And a
 * provider state that cannot be set up must fail its interactions, not let them pass vacuously.
 */
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type Authority } from '../../mock-server/core/index.js';
import { PACT_FILE } from '../names.js';
import { createDigimeProviderKit, DIGIME_STATES } from '../../mock-server/pact/index.js';
import { DEMO_APP, startProvider, verify, type Provider } from './support/provider.js';

interface Breakage {
  name: string;
  /** Breaks the running mock through its authority (what the Express routes call). */
  apply(authority: Authority): void;
  /** The one interaction that must fail, and a word its mismatch must mention. */
  fails: string;
  mentioning: string;
}

const breakages: Breakage[] = [
  {
    name: 'accounts lose their `reference`',
    apply(authority) {
      const readAccounts = authority.readAccounts.bind(authority);
      authority.readAccounts = (request) =>
        readAccounts(request).map(({ reference: _reference, ...account }) => account) as ReturnType<typeof readAccounts>;
    },
    fails: "a request for the user's accounts",
    mentioning: 'reference',
  },
  {
    name: 'the authorize answer loses its `session`',
    apply(authority) {
      const authorize = authority.authorize.bind(authority);
      authority.authorize = async (...args) => {
        const { token } = await authorize(...args);
        return { token } as Awaited<ReturnType<typeof authorize>>;
      };
    },
    fails: 'a request to start consent',
    mentioning: 'session',
  },
  {
    name: 'an expired refresh token gets 400 InvalidGrant instead of 401 InvalidToken',
    apply(authority) {
      const token = authority.token.bind(authority);
      authority.token = async (...args) => {
        try {
          return await token(...args);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'InvalidToken') throw new ApiError('InvalidGrant', error.message);
          throw error;
        }
      };
    },
    fails: 'a request to refresh the access token with an expired refresh token',
    mentioning: '401',
  },
  {
    name: 'renewing a consent demands a live access token, as onboarding does',
    apply(authority) {
      const tokenReference = authority.tokenReference.bind(authority);
      authority.tokenReference = async (request, ...rest) => {
        // The expired-token state's access token is refused once a PKCE challenge no longer excuses it.
        if (request.claims.code_challenge !== undefined) throw new ApiError('InvalidToken', 'The token (access_token) is invalid');
        return tokenReference(request, ...rest);
      };
    },
    fails: 'a request for a token reference to renew a consent',
    mentioning: '401',
  },
  {
    name: 'x-metadata is sent as plain JSON, not base64url',
    apply(authority) {
      const readFile = authority.readFile.bind(authority);
      authority.readFile = (...args) => {
        const file = readFile(...args);
        return { ...file, metadata: Buffer.from(file.metadata, 'base64url').toString('utf8') };
      };
    },
    fails: 'a request for a file of a completed session',
    mentioning: 'x-metadata',
  },
  {
    name: 'contract details lose `accessType`',
    apply(authority) {
      const contractDetails = authority.contractDetails.bind(authority);
      authority.contractDetails = (request) => {
        const { accessType: _accessType, ...details } = contractDetails(request);
        return details as ReturnType<typeof contractDetails>;
      };
    },
    fails: "a request for the app's contract details",
    mentioning: 'accessType',
  },
  {
    name: 'sources lose their `service`',
    apply(authority) {
      const querySources = authority.querySources.bind(authority);
      authority.querySources = (...args) => {
        const answer = querySources(...args);
        return { ...answer, data: answer.data.map(({ service: _service, ...source }) => source) } as ReturnType<typeof querySources>;
      };
    },
    fails: 'a request for the approved pull sources',
    mentioning: 'service',
  },
  {
    name: 'the revoke page comes as a path, not a URL',
    apply(authority) {
      const revoke = authority.revokeAccountPermission.bind(authority);
      authority.revokeAccountPermission = (...args) => ({ location: new URL(revoke(...args).location).pathname });
    },
    fails: "a request for the page that revokes the app's access to an account",
    mentioning: 'location',
  },
  {
    name: "a file's metadata comes without `last-modified`",
    apply(authority) {
      const readFileHead = authority.readFileHead.bind(authority);
      authority.readFileHead = (...args) => ({ ...readFileHead(...args), lastModified: undefined }) as unknown as ReturnType<typeof readFileHead>;
    },
    fails: "a request for the metadata of a completed session's file",
    mentioning: 'last-modified',
  },
  {
    name: "the report's root element is renamed",
    apply(authority) {
      const report = authority.portabilityReport.bind(authority);
      authority.portabilityReport = (...args) => report(...args).replaceAll('portabilityReport', 'report');
    },
    fails: "a request for the user's portability report",
    mentioning: 'portabilityReport',
  },
  {
    name: 'a push to an onboarded provider account is refused as unknown (404)',
    apply(authority) {
      authority.pushToProvider = () => {
        throw new ApiError('NotFound', 'The account was not found');
      };
    },
    fails: "a request to push a resource to the user's account at a provider",
    mentioning: '201',
  },
  {
    name: "the user's storage loses its `kid`",
    apply(authority) {
      const userStorage = authority.userStorage.bind(authority);
      authority.userStorage = (request) => ({ id: userStorage(request).id }) as ReturnType<typeof userStorage>;
    },
    fails: "a request for the user's storage",
    mentioning: 'kid',
  },
  {
    name: 'a storage folder listing loses `total`',
    apply(authority) {
      const list = authority.listStorageFiles.bind(authority);
      authority.listStorageFiles = (...args) => ({ files: list(...args).files }) as ReturnType<typeof list>;
    },
    fails: "a request for the files in a folder of the user's storage",
    mentioning: 'total',
  },
];

let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

/**
 * Verifies the local pact (pact-core would also pull from a broker named in the environment),
 * optionally only the interactions with a description or provider state (pact-core's own
 * `PACT_DESCRIPTION` / `PACT_PROVIDER_STATE` filters), which keeps these runs short and quiet.
 */
async function verifyLocally(p: Provider, only: { description?: string; state?: string } = {}) {
  const saved = { ...process.env };
  delete process.env.PACT_BROKER_BASE_URL;
  if (only.description) process.env.PACT_DESCRIPTION = only.description;
  if (only.state) process.env.PACT_PROVIDER_STATE = only.state;
  try {
    return await verify(p, { pactUrls: [PACT_FILE] });
  } finally {
    for (const name of ['PACT_BROKER_BASE_URL', 'PACT_DESCRIPTION', 'PACT_PROVIDER_STATE']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

describe('provider verification fails when the mock breaks the contract', () => {
  it.each(breakages)('$name', async ({ apply, fails, mentioning }) => {
    provider = await startProvider();
    apply(provider.server.authority);

    const outcome = await verifyLocally(provider, { description: fails });

    expect(outcome.passed).toBe(false);
    expect(outcome.failures.map((f) => f.description)).toEqual([fails]);
    expect(outcome.failures[0]?.mismatches.join('\n')).toContain(mentioning);
  });

  it('and only the interaction that covers the broken part fails', async () => {
    provider = await startProvider();
    const [breakage] = breakages;
    breakage!.apply(provider.server.authority);

    const outcome = await verifyLocally(provider);

    expect(outcome.passed).toBe(false);
    expect(outcome.failures.map((f) => f.description)).toEqual([breakage!.fails]);
  });
});

describe('token payloads, which Pact only matches by form, are held to the examples by the kit', () => {
  it('a refresh whose token payload loses `refresh_token` is reported', async () => {
    provider = await startProvider();
    const { authority } = provider.server;
    const token = authority.token.bind(authority);
    authority.token = async (request, jku) => {
      const { refresh_token: _dropped, ...payload } = decodeJwt((await token(request, jku)).token);
      return { token: await authority.signJws(payload, jku) };
    };

    const outcome = await verifyLocally(provider, { description: 'a request to refresh the access token' });

    expect(outcome.passed).toBe(true); // Pact sees a well-formed JWS...
    // ...the kit looks inside (the exchange's example shares the request, so it is named too).
    expect(provider.kit.jwsPayloads.mismatches).toEqual([
      'POST /v1.7/oauth/token 201: the token payload does not have the shape of ' +
        '"a request to exchange an authorization code for tokens": $.refresh_token: missing; ' +
        '"a request to refresh the access token": $.refresh_token: missing',
    ]);
  });
});

describe('provider verification fails when a provider state cannot be set up', () => {
  it('instead of passing an interaction that expects 401 against a token that was never issued', async () => {
    provider = await startProvider();
    // A kit whose states consent as a user the server does not have: every token state fails.
    provider = { ...provider, kit: createDigimeProviderKit(provider.server.authority, { app: DEMO_APP, userId: 'nobody' }) };

    const outcome = await verifyLocally(provider, { state: DIGIME_STATES.accessTokenExpired });

    expect(outcome.passed).toBe(false);
    expect(outcome.failures.map((f) => f.description)).toEqual(['a request to start a data session with an expired access token']);
    expect(outcome.failures[0]?.mismatches.join('\n')).toMatch(/expected 401 but was 500/);
  });
});
