/**
 * The interactions of the SDK ↔ digi.me contract, one function each. A test adds the ones its
 * scenario needs; the same interaction is always built the same way, so that when several tests
 * record it, the pact file holds it once.
 *
 * What is contract and what is example:
 * - request JWTs are matched by form (`Bearer` + compact JWS); their claims cannot be matched by
 *   Pact, so the recorded example carries the claims the SDK sends (checked in pact-fetch.ts),
 *   and the provider re-signs them (mock-server/pact/request-filter.ts);
 * - server tokens are matched by form (compact JWS): the SDK verifies them against the JWKS,
 *   whose keys are matched by shape;
 * - ids, keys, names, dates and counts are matched by type or pattern; protocol constants
 *   (error codes, session states, status codes) by value;
 * - session keys and file names in paths come from the provider state (`fromProviderState`);
 * - file bodies are matched by content type: the provider encrypts with fresh keys every time.
 */
import { HTTPResponseStatusClass, MatchersV3, type Matcher, type PactV4, type V3MockServer } from '@pact-foundation/pact';
import { DIGIME_STATES, type SessionStateParams } from '../../../mock-server/pact/index.js';
import {
  ACCOUNT,
  AGENT,
  API_PATH,
  APP,
  AUTHORIZE_TOKEN,
  FILE_BODY,
  FILE_LAST_MODIFIED,
  FILE_NAME,
  FILE_UPDATED_DATE,
  FILE_X_METADATA,
  REFERENCE_TOKEN,
  SERVER_KID,
  SERVER_PUBLIC_KEY_PEM,
  SESSION_EXPIRY,
  SESSION_KEY,
  TOKEN_FROM_CODE,
  TOKEN_FROM_REFRESH,
  requestJwt,
  type CallKind,
} from './examples.js';

const { eachLike, fromProviderState, integer, like, matchStatus, regex, string } = MatchersV3;

/** A compact JWS: three base64url parts. */
const JWS = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';
const BEARER_JWS = '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';
/** docs/protocol.md §5: `18_<group>_<service>_<account>_<objectType>[_D<YYYYMM>]_<enc>.json`. */
const FILE_NAME_PATTERN = '^18_\\d+_\\d+_\\d+_\\d+(_D\\d{6})?_[A-Za-z0-9]+\\.json$';
const BASE64URL = '^[A-Za-z0-9_-]+={0,2}$';
const HTTP_DATE = '^[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$';
const PEM_PUBLIC_KEY = '^-----BEGIN PUBLIC KEY-----\\n[A-Za-z0-9+/=\\n]+-----END PUBLIC KEY-----\\n?$';
const ACCOUNT_TYPE =
  '^(USER|ADMIN|EVENT|GROUP|BANK|CREDIT_CARD|IMPORTED|INVESTMENT|INSURANCE|LOAN|REWARD|BILL|PUSH)$';

/** A fully described interaction, ready to run (pact-js does not export its own name for this). */
export interface InteractionWithResponse {
  executeTest<T>(testFn: (mockServer: V3MockServer) => Promise<T>): Promise<T | undefined>;
}

export type Interaction = (pact: PactV4) => InteractionWithResponse;

const signedHeaders = (kind: CallKind, accept = 'application/json') => ({
  Authorization: regex(BEARER_JWS, `Bearer ${requestJwt(kind)}`),
  Accept: accept,
});

/** The SDK's `agent` as sent in request bodies: its shape, not its version numbers. */
const agentBody = like({ agent: AGENT });

/** A path with provider-state values, e.g. the session key the provider made; matched by `pattern`. */
function pathFromProviderState(expression: string, example: string, pattern: string): Matcher<string> {
  return { ...fromProviderState(expression, example), 'pact:matcher:type': 'regex', regex: pattern } as Matcher<string>;
}

const invalidToken = (which: 'access_token' | 'refresh_token') => ({
  error: {
    code: 'InvalidToken',
    message: string(`The token (${which}) is invalid`),
    reference: string('example-error-reference'),
  },
});

const session = { key: string(SESSION_KEY), expiry: integer(SESSION_EXPIRY) };

/** Provider-state params of the data interactions: a play-history file, since the example is one. */
const SESSION_PARAMS: SessionStateParams = { fileNameContains: '_406_' };

export const jwks: Interaction = (pact) =>
  pact
    .addInteraction()
    .uponReceiving("a request for the server's token signing keys")
    .withRequest('GET', `${API_PATH}/jwks/oauth`, (req) => req.headers({ Accept: 'application/json' }))
    .willRespondWith(200, (res) =>
      res.jsonBody({ keys: eachLike({ kid: string(SERVER_KID), pem: regex(PEM_PUBLIC_KEY, SERVER_PUBLIC_KEY_PEM) }) }),
    );

export const authorize: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.appRegistered(APP.contractId), { appId: APP.appId, contractId: APP.contractId })
    .uponReceiving('a request to start consent')
    .withRequest('POST', `${API_PATH}/oauth/authorize`, (req) => req.headers(signedHeaders('authorize')).jsonBody(agentBody))
    .willRespondWith(201, (res) => res.jsonBody({ token: regex(JWS, AUTHORIZE_TOKEN), session }));

export const exchangeCode: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.authorizationCodeIssued)
    .uponReceiving('a request to exchange an authorization code for tokens')
    .withRequest('POST', `${API_PATH}/oauth/token`, (req) => req.headers(signedHeaders('exchange')))
    .willRespondWith(201, (res) => res.jsonBody({ token: regex(JWS, TOKEN_FROM_CODE) }));

export const reauthorize: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.refreshTokenExpired)
    .uponReceiving('a request for a token reference to renew a consent')
    .withRequest('POST', `${API_PATH}/oauth/token/reference`, (req) => req.headers(signedHeaders('reauthorize')).jsonBody(agentBody))
    .willRespondWith(201, (res) => res.jsonBody({ token: regex(JWS, REFERENCE_TOKEN), session }));

export const onboard: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validAccessToken)
    .uponReceiving('a request for a token reference to onboard a service')
    .withRequest('POST', `${API_PATH}/oauth/token/reference`, (req) => req.headers(signedHeaders('onboard')).jsonBody(agentBody))
    .willRespondWith(201, (res) => res.jsonBody({ token: regex(JWS, REFERENCE_TOKEN), session }));

export const refresh: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validRefreshToken)
    .uponReceiving('a request to refresh the access token')
    .withRequest('POST', `${API_PATH}/oauth/token`, (req) => req.headers(signedHeaders('refresh')))
    .willRespondWith(201, (res) => res.jsonBody({ token: regex(JWS, TOKEN_FROM_REFRESH) }));

export const refreshWithExpiredRefreshToken: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.refreshTokenExpired)
    .uponReceiving('a request to refresh the access token with an expired refresh token')
    .withRequest('POST', `${API_PATH}/oauth/token`, (req) => req.headers(signedHeaders('refresh')))
    .willRespondWith(401, (res) => res.jsonBody(invalidToken('refresh_token')));

export const trigger: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validAccessToken)
    .uponReceiving('a request to start a data session')
    .withRequest('POST', `${API_PATH}/permission-access/trigger`, (req) => req.headers(signedHeaders('user')).jsonBody(agentBody))
    .willRespondWith(202, (res) => res.jsonBody({ session }));

export const triggerWithExpiredAccessToken: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.accessTokenExpired)
    .uponReceiving('a request to start a data session with an expired access token')
    .withRequest('POST', `${API_PATH}/permission-access/trigger`, (req) => req.headers(signedHeaders('user')).jsonBody(agentBody))
    .willRespondWith(401, (res) => res.jsonBody(invalidToken('access_token')));

const fileList = (state: 'running' | 'completed'): Interaction => (pact) =>
  pact
    .addInteraction()
    .given(state === 'running' ? DIGIME_STATES.sessionRunning : DIGIME_STATES.sessionCompleted, SESSION_PARAMS)
    .uponReceiving(`a request for the file list of a ${state} session`)
    .withRequest(
      'GET',
      pathFromProviderState(
        `${API_PATH}/permission-access/query/\${sessionKey}`,
        `${API_PATH}/permission-access/query/${SESSION_KEY}`,
        `^${API_PATH.replace('.', '\\.')}/permission-access/query/[^/]+$`,
      ),
      (req) => req.headers(signedHeaders('user')),
    )
    .willRespondWith(200, (res) =>
      res.jsonBody({
        status: { state },
        fileList: eachLike({ name: regex(FILE_NAME_PATTERN, FILE_NAME), updatedDate: integer(FILE_UPDATED_DATE) }),
      }),
    );

export const fileListRunning = fileList('running');
export const fileListCompleted = fileList('completed');

export const file: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.sessionCompleted, SESSION_PARAMS)
    .uponReceiving('a request for a file of a completed session')
    .withRequest(
      'GET',
      pathFromProviderState(
        `${API_PATH}/permission-access/query/\${sessionKey}/\${fileName}`,
        `${API_PATH}/permission-access/query/${SESSION_KEY}/${FILE_NAME}`,
        `^${API_PATH.replace('.', '\\.')}/permission-access/query/[^/]+/[^/]+$`,
      ),
      (req) => req.headers(signedHeaders('user', 'application/octet-stream')),
    )
    .willRespondWith(200, (res) =>
      res
        .headers({
          'x-metadata': regex(BASE64URL, FILE_X_METADATA),
          'last-modified': regex(HTTP_DATE, FILE_LAST_MODIFIED),
        })
        // Binary: matched by content type only, since the provider encrypts with fresh keys.
        .body('application/octet-stream', FILE_BODY),
    );

export const accounts: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validAccessToken)
    .uponReceiving("a request for the user's accounts")
    .withRequest('GET', `${API_PATH}/permission-access/accounts`, (req) => req.headers(signedHeaders('user')))
    .willRespondWith(200, (res) =>
      res.jsonBody(
        eachLike({
          id: string(ACCOUNT.id),
          reference: string(ACCOUNT.reference),
          type: regex(ACCOUNT_TYPE, ACCOUNT.type),
          createdDate: integer(ACCOUNT.createdDate),
          updatedDate: integer(ACCOUNT.updatedDate),
          serviceGroupId: integer(ACCOUNT.serviceGroupId),
          serviceGroupName: string(ACCOUNT.serviceGroupName),
          serviceTypeId: integer(ACCOUNT.serviceTypeId),
          serviceTypeName: string(ACCOUNT.serviceTypeName),
          serviceTypeReference: string(ACCOUNT.serviceTypeReference),
          sourceId: integer(ACCOUNT.sourceId),
        }),
      ),
    );

export const deleteUser: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validAccessToken)
    .uponReceiving('a request to delete the user')
    .withRequest('DELETE', `${API_PATH}/user`, (req) => req.headers(signedHeaders('user')))
    // docs/protocol.md §4 promises a 2xx, not which one.
    .willRespondWith(matchStatus(204, HTTPResponseStatusClass.Success));

/** Every interaction, for tests that check the pact file is complete. */
export const ALL_INTERACTIONS = {
  jwks,
  authorize,
  exchangeCode,
  reauthorize,
  onboard,
  refresh,
  refreshWithExpiredRefreshToken,
  trigger,
  triggerWithExpiredAccessToken,
  fileListRunning,
  fileListCompleted,
  file,
  accounts,
  deleteUser,
};
