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
import { HTTPResponseStatusClass, MatchersV3, XmlBuilder, type Matcher, type PactV4, type V3MockServer } from '@pact-foundation/pact';
import { DIGIME_STATES, type SessionStateParams } from '../../../mock-server/pact/index.js';
import {
  ACCOUNT,
  ACCOUNT_ID,
  ACCOUNT_REF,
  AGENT,
  API_PATH,
  APP,
  AUTHORIZE_TOKEN,
  CATEGORY,
  CLOUD_PATH,
  CONTRACT_DETAILS,
  COUNTRY,
  DEFAULT_SOURCES_BODY,
  FHIR_RESOURCE,
  FILE_DESCRIPTOR_JWS,
  PLATFORM,
  PROVIDER_ACCOUNT_ID,
  PUSHED_FILE,
  REDIRECT_URI,
  REPORT_GENERATED,
  USER_ID,
  REVOKE_LOCATION,
  SAMPLE_DATA_SET,
  SAMPLE_DATA_SET_ID,
  SAMPLE_SOURCE_ID,
  SOURCE,
  STORAGE,
  STORAGE_ENTRY,
  STORAGE_FILE_BODY,
  STORAGE_FILE_NAME,
  STORAGE_FOLDER,
  cloudToken,
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

const { boolean, eachKeyLike, eachLike, fromProviderState, integer, like, matchStatus, regex, string } = MatchersV3;

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

// ---- Contract details, discovery, sample data (app JWT) ----------------------------------------

const appState = (pact: PactV4) => pact.addInteraction().given(DIGIME_STATES.appRegistered(APP.contractId), { appId: APP.appId, contractId: APP.contractId });
const PUBLISHED_STATUS = '^(approved|pending|deprecated|blocked|sampledataonly)$';

export const contractDetails: Interaction = (pact) =>
  appState(pact)
    .uponReceiving("a request for the app's contract details")
    .withRequest('GET', `${API_PATH}/permission-access/contract`, (req) => req.headers(signedHeaders('app')))
    .willRespondWith(200, (res) =>
      res.jsonBody({
        id: string(CONTRACT_DETAILS.id),
        accessType: regex('^(r|w)$', CONTRACT_DETAILS.accessType),
        type: string(CONTRACT_DETAILS.type),
        partnerId: string(CONTRACT_DETAILS.partnerId),
        certificate: regex(PEM_PUBLIC_KEY, CONTRACT_DETAILS.certificate),
        certificateContractSchemaVersion: string(CONTRACT_DETAILS.certificateContractSchemaVersion),
        expirationDate: integer(CONTRACT_DETAILS.expirationDate),
        application: {
          id: string(CONTRACT_DETAILS.application.id),
          name: string(CONTRACT_DETAILS.application.name),
          status: integer(CONTRACT_DETAILS.application.status),
          resources: like(CONTRACT_DETAILS.application.resources),
        },
      }),
    );

const idNameReference = (example: { id: number; name: string; reference: string }) => ({
  id: integer(example.id),
  name: string(example.name),
  reference: string(example.reference),
});

export const sources: Interaction = (pact) =>
  appState(pact)
    .uponReceiving('a request for the approved pull sources')
    .withRequest('POST', `${API_PATH}/discovery/sources`, (req) => req.headers(signedHeaders('app')).jsonBody(DEFAULT_SOURCES_BODY))
    .willRespondWith(200, (res) =>
      res.jsonBody({
        data: eachLike({
          ...idNameReference(SOURCE),
          publishedStatus: regex(PUBLISHED_STATUS, SOURCE.publishedStatus),
          type: idNameReference(SOURCE.type),
          service: idNameReference(SOURCE.service),
          country: eachLike({ id: integer(COUNTRY.id), code: string(COUNTRY.code), name: string(COUNTRY.name) }),
          category: eachLike(idNameReference(CATEGORY)),
          platform: eachLike(idNameReference(PLATFORM)),
          onboardable: boolean(SOURCE.onboardable),
          json: { authorisation: { type: regex('^(saas|sdk|none)$', SOURCE.json.authorisation.type) } },
        }),
        limit: integer(1),
        offset: integer(0),
        total: integer(1),
      }),
    );

const idList = (list: 'countries' | 'platforms' | 'categories', template: Record<string, unknown>): Interaction => (pact) =>
  appState(pact)
    .uponReceiving(`a request for the ${list} of the catalogue`)
    .withRequest('POST', `${API_PATH}/discovery/${list}`, (req) => req.headers(signedHeaders('app')))
    .willRespondWith(200, (res) => res.jsonBody({ data: eachLike(template) }));

export const countries = idList('countries', { id: integer(COUNTRY.id), code: string(COUNTRY.code), name: string(COUNTRY.name) });
export const platforms = idList('platforms', idNameReference(PLATFORM));
export const categories = idList('categories', idNameReference(CATEGORY));

export const sampleDataSets: Interaction = (pact) =>
  appState(pact)
    .uponReceiving("a request for a source's sample data sets")
    .withRequest('GET', `${API_PATH}/permission-access/sample/datasets/${SAMPLE_SOURCE_ID}`, (req) => req.headers(signedHeaders('app')))
    .willRespondWith(200, (res) =>
      res.jsonBody(eachKeyLike(SAMPLE_DATA_SET_ID, { name: string(SAMPLE_DATA_SET.name), description: string(SAMPLE_DATA_SET.description) })),
    );

// ---- One of the user's accounts --------------------------------------------------------------

/** The account id travels in a header; the provider state says which account it is. */
const accountHeader = (example: string) => fromProviderState('${accountId}', example);

export const deleteAccount: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.userAccount)
    .uponReceiving('a request to delete one of the user\'s accounts')
    .withRequest('DELETE', `${API_PATH}/permission-access/service/h:accountId`, (req) =>
      req.headers({ ...signedHeaders('user'), accountId: accountHeader(ACCOUNT_ID) }),
    )
    // As for deleting the user, a 2xx is what clients rely on.
    .willRespondWith(matchStatus(204, HTTPResponseStatusClass.Success));

export const revokeAccountPermission: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.userAccount)
    .uponReceiving("a request for the page that revokes the app's access to an account")
    .withRequest('GET', `${API_PATH}/permission-access/revoke/h:accountId`, (req) =>
      req.headers({ ...signedHeaders('user'), accountId: accountHeader(ACCOUNT_ID), redirectUri: REDIRECT_URI }),
    )
    .willRespondWith(200, (res) => res.jsonBody({ location: regex('^https?://[^/]+/.*revoke\\?code=[^&]+$', REVOKE_LOCATION) }));

/** `POST reference`: an opaque id for an account the reauthorize page names. */
export const accountReference: Interaction = (pact) =>
  appState(pact)
    .uponReceiving('a request for a reference to an account')
    .withRequest('POST', `${API_PATH}/reference`, (req) =>
      req.headers(signedHeaders('app')).jsonBody({ type: 'accountId', value: string(ACCOUNT_ID) }),
    )
    .willRespondWith(201, (res) => res.jsonBody({ id: string(ACCOUNT_REF) }));

/** The token reference `getReauthorizeAccountUrl` asks for: as for onboarding, for an account of the user's. */
export const reauthorizeAccountReference: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.userAccount)
    .uponReceiving('a request for a token reference to re-authorise an account')
    .withRequest('POST', `${API_PATH}/oauth/token/reference`, (req) => req.headers(signedHeaders('onboard')).jsonBody(agentBody))
    .willRespondWith(201, (res) => res.jsonBody({ token: regex(JWS, REFERENCE_TOKEN), session }));

// ---- A file's metadata, the report, push --------------------------------------------------------

export const fileMetadata: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.sessionCompleted, SESSION_PARAMS)
    .uponReceiving("a request for the metadata of a completed session's file")
    .withRequest(
      'HEAD',
      pathFromProviderState(
        `${API_PATH}/permission-access/query/\${sessionKey}/\${fileName}`,
        `${API_PATH}/permission-access/query/${SESSION_KEY}/${FILE_NAME}`,
        `^${API_PATH.replace('.', '\\.')}/permission-access/query/[^/]+/[^/]+$`,
      ),
      (req) => req.headers(signedHeaders('user')),
    )
    .willRespondWith(200, (res) =>
      res.headers({
        'x-metadata': regex(BASE64URL, FILE_X_METADATA),
        'last-modified': regex(HTTP_DATE, FILE_LAST_MODIFIED),
      }),
    );

const ISO_DATE = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';
/** XmlBuilder's attributes are a plain object of values and matchers (its types say `Map`). */
const xmlAttributes = (attributes: Record<string, unknown>) => attributes as unknown as Map<string, string>;

/**
 * The report's structure, as the SDK hands it on (docs/protocol.md §9.7): who it is about, for which
 * service type, and an element per account the consent covers.
 */
const REPORT_BODY = new XmlBuilder('1.0', 'UTF-8', 'portabilityReport').build((root) => {
  root.setAttributes(xmlAttributes({ serviceType: 'medmij', format: 'xml', generated: regex(ISO_DATE, REPORT_GENERATED) }));
  root.appendElement('period', xmlAttributes({}));
  root.appendElement('user', xmlAttributes({ id: string(USER_ID) }));
  root.appendElement('accounts', xmlAttributes({}), (accounts) => {
    accounts.eachLike(
      'account',
      xmlAttributes({ id: string(ACCOUNT.id), reference: string(ACCOUNT.reference), sourceId: regex('^\\d+$', String(ACCOUNT.sourceId)) }),
    );
  });
});

export const portabilityReport: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validAccessToken)
    .uponReceiving("a request for the user's portability report")
    .withRequest('GET', `${API_PATH}/export/medmij/report`, (req) =>
      req.headers(signedHeaders('user', 'application/octet-stream')).query({ format: 'xml' }),
    )
    .willRespondWith(200, (res) => res.xmlBody(REPORT_BODY));

const delivered = { status: string('delivered') };

export const pushToLibrary: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.writableLibrary)
    .uponReceiving("a request to push a file to the user's library")
    .withRequest('POST', `${API_PATH}/permission-access/import`, (req) =>
      req
        .headers({ ...signedHeaders('user'), FileDescriptor: regex(JWS, FILE_DESCRIPTOR_JWS) })
        // The file's bytes, as they are: matched by content type.
        .body('application/octet-stream', PUSHED_FILE),
    )
    .willRespondWith(201, (res) => res.jsonBody(delivered));

export const pushToProvider: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.providerAccount)
    .uponReceiving('a request to push a resource to the user\'s account at a provider')
    .withRequest('POST', `${API_PATH}/permission-access/import/h:accountId/fhir/stu3`, (req) =>
      req.headers({ ...signedHeaders('user'), accountId: accountHeader(PROVIDER_ACCOUNT_ID) }).jsonBody(FHIR_RESOURCE),
    )
    .willRespondWith(201, (res) => res.jsonBody(delivered));

// ---- Storage ----------------------------------------------------------------------------------

const storageBody = { id: string(STORAGE.id), kid: string(STORAGE.kid) };

export const provisionalStorage: Interaction = (pact) =>
  appState(pact)
    .uponReceiving('a request to create a provisional storage')
    .withRequest('POST', `${API_PATH}/storage`, (req) => req.headers(signedHeaders('app')))
    .willRespondWith(201, (res) => res.jsonBody(storageBody));

export const userStorage: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.validAccessToken)
    .uponReceiving("a request for the user's storage")
    .withRequest('GET', `${API_PATH}/storage`, (req) => req.headers(signedHeaders('user')))
    .willRespondWith(200, (res) => res.jsonBody(storageBody));

export const storageReference: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.provisionalStorage)
    .uponReceiving('a request for a reference to a provisional storage')
    .withRequest('POST', `${API_PATH}/reference`, (req) =>
      req.headers(signedHeaders('app')).jsonBody({ type: 'cloudId', value: fromProviderState('${storageId}', STORAGE.id) }),
    )
    .willRespondWith(201, (res) => res.jsonBody({ id: string('example-storage-ref') }));

/** A path in the app's folder of the state's storage, on the cloud. */
function cloudPath(path: string): Matcher<string> {
  const prefix = `${CLOUD_PATH}/clouds/`;
  const rest = `/files/apps/${APP.appId}/${path}`;
  return pathFromProviderState(
    `${prefix}\${storageId}${rest}`,
    `${prefix}${STORAGE.id}${rest}`,
    `^${prefix.replace(/\./g, '\\.')}[^/]+${rest.replace(/[.?]/g, (c) => `\\${c}`)}$`,
  );
}

const cloudHeaders = (accept = 'application/json') => ({ Authorization: regex(BEARER_JWS, `Bearer ${cloudToken()}`), Accept: accept });
const STORAGE_FILE = `${STORAGE_FOLDER}/${STORAGE_FILE_NAME}`;
const storageEntry = {
  id: string(STORAGE_ENTRY.id),
  name: string(STORAGE_ENTRY.name),
  originalName: string(STORAGE_ENTRY.originalName),
  path: regex(`^/apps/[^/]+/(.*/)?$`, STORAGE_ENTRY.path),
  originalPath: regex(`^/apps/[^/]+/(.*/)?$`, STORAGE_ENTRY.originalPath),
};

export const uploadStorageFile: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.userStorage)
    .uponReceiving("a request to upload a file to the user's storage")
    .withRequest('POST', cloudPath(STORAGE_FILE), (req) =>
      // The body is the file encrypted by the SDK with a fresh key: random bytes, which Pact's
      // content-type detection takes for text now and then. So only its type is in the contract,
      // as a header; the consumer test decrypts what the SDK sent.
      req.headers({ ...cloudHeaders(), 'Content-Type': 'application/octet-stream' }),
    )
    .willRespondWith(201, (res) => res.jsonBody(storageEntry));

export const listStorageFiles: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.storageFile, { path: `/${STORAGE_FILE}` })
    .uponReceiving("a request for the files in a folder of the user's storage")
    .withRequest('GET', cloudPath(`${STORAGE_FOLDER}/`), (req) => req.headers(cloudHeaders()).query({ recursive: 'false' }))
    .willRespondWith(200, (res) => res.jsonBody({ files: eachLike(storageEntry), total: integer(1) }));

export const downloadStorageFile: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.storageFile, { path: `/${STORAGE_FILE}` })
    .uponReceiving("a request to download a file of the user's storage")
    .withRequest('GET', cloudPath(STORAGE_FILE), (req) => req.headers(cloudHeaders('application/octet-stream')))
    // Binary, encrypted for the app's key with a fresh data key: matched by content type.
    .willRespondWith(200, (res) => res.body('application/octet-stream', STORAGE_FILE_BODY));

export const deleteStorageFile: Interaction = (pact) =>
  pact
    .addInteraction()
    .given(DIGIME_STATES.storageFile, { path: `/${STORAGE_FILE}` })
    .uponReceiving("a request to delete a file of the user's storage")
    .withRequest('DELETE', cloudPath(STORAGE_FILE), (req) => req.headers(cloudHeaders()))
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
  contractDetails,
  sources,
  countries,
  platforms,
  categories,
  sampleDataSets,
  deleteAccount,
  revokeAccountPermission,
  accountReference,
  reauthorizeAccountReference,
  fileMetadata,
  portabilityReport,
  pushToLibrary,
  pushToProvider,
  provisionalStorage,
  userStorage,
  storageReference,
  uploadStorageFile,
  listStorageFiles,
  downloadStorageFile,
  deleteStorageFile,
};
