/**
 * The control plane real digi.me lacks (`/__admin`, docs/protocol.md §8.10): the mock clock, app
 * registration, tokens, reset, state, faults, the request journal, keys, users, Pact provider
 * states and the OpenAPI document of all of these. Each route declares its schemas (admin-route.ts);
 * who may call is the core's rule (`Authority.adminRefusal`), applied by `adminGate`.
 */
import { AppContractConfigSchema, errors, type Authority } from '../core/index.js';
import { PactStateChangeSchema, runPactStateChange } from '../pact/state-change.js';
import { adminRoute, type AdminRoute } from './admin-route.js';
import * as S from './admin-schemas.js';
import { buildOpenApi } from './openapi.js';
import { errorResponse } from './router.js';
import type { WireRequest, WireResponse } from './types.js';

export const ADMIN_PREFIX = '/__admin';

/** The version of the admin API's OpenAPI document. */
const ADMIN_API_VERSION = '1.0.0';

/**
 * Who may call (the core decides): the refusal to answer instead of the route, if any. Health
 * answers any client.
 */
export function adminGate(authority: Authority, req: WireRequest): WireResponse | undefined {
  const refusal = authority.adminRefusal({
    remoteAddress: req.remoteAddress,
    origin: req.url.origin,
    headers: req.headers,
    hasBody: req.body !== undefined && req.body.length > 0,
    open: req.url.pathname.replace(/\/$/, '') === `${ADMIN_PREFIX}/health` && ['GET', 'HEAD'].includes(req.method.toUpperCase()),
  });
  if (!refusal) return undefined;
  const response = errorResponse(refusal);
  return refusal.status === 401 ? { ...response, headers: { ...response.headers, 'www-authenticate': 'Bearer realm="digime-mock admin"' } } : response;
}

export const adminRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/health`,
    summary: 'Whether the mock is ready, and its signing key id; answers any client',
    answer: { status: 200, schema: S.Health, description: 'Ready' },
    handle: ({ authority }) => ({ status: 'ok', kid: authority.overview().kid }),
  }),
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/clock`,
    summary: 'The mock clock',
    answer: { status: 200, schema: S.ClockState, description: 'The clock' },
    handle: ({ authority }) => authority.clock.state(),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/clock`,
    summary: 'Moves the mock clock: reset, set, advance, freeze, in this order',
    body: S.ClockChange,
    answer: { status: 200, schema: S.ClockState, description: 'The clock after the change' },
    handle: ({ authority }, { body }) => authority.changeClock(body),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/apps`,
    summary: 'Registers (or replaces) an app contract',
    body: AppContractConfigSchema,
    answer: { status: 201, schema: S.RegisteredApp, description: 'The contract as registered' },
    handle: ({ authority }, { body }) => {
      const { clientId, appId, contractId, name } = authority.registerApp(body);
      return { clientId, appId, contractId, name };
    },
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/tokens/expire`,
    summary: 'Expires the selected tokens now, without moving the clock; no selector selects all',
    body: S.TokenSelection,
    answer: { status: 200, schema: S.TokensExpired, description: 'How many tokens of how many app contracts' },
    handle: ({ authority }, { body }) => authority.expireTokensCounted(body),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/tokens/revoke`,
    summary: 'Revokes the selected tokens; no selector selects all',
    body: S.TokenSelection,
    answer: { status: 200, schema: S.TokensRevoked, description: 'How many tokens of how many app contracts' },
    handle: ({ authority }, { body }) => authority.revokeTokensCounted(body),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/reset`,
    summary: 'Back to the state at start: records, runtime apps and users, scenarios, faults and journal cleared, clock reset; the keys stay',
    body: S.Empty,
    answer: { status: 200, schema: S.ResetAnswer, description: 'Reset' },
    handle: ({ authority }) => {
      authority.reset();
      return { reset: true, clock: authority.clock.state() };
    },
  }),
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/state`,
    summary: 'The whole state as a snapshot: no private key, no token value',
    answer: { status: 200, schema: S.StateSnapshot, description: 'The snapshot' },
    handle: ({ authority }) => authority.state(),
  }),
  adminRoute({
    method: 'PUT',
    path: `${ADMIN_PREFIX}/state`,
    summary: 'Restores a snapshot exactly; a damaged one or one of another version is refused and nothing changes',
    body: S.StateSnapshot,
    answer: { status: 200, schema: S.Restored, description: 'Restored' },
    handle: ({ authority }, { body }) => {
      authority.restoreState(body);
      return { restored: true, clock: authority.clock.state() };
    },
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/faults`,
    summary: 'A fault for the next matching API requests: an error answer, a delay, or a dropped connection',
    body: S.FaultSpec,
    answer: { status: 201, schema: S.FaultCreated, description: 'The fault' },
    handle: ({ authority }, { body }) => authority.addFault(body),
  }),
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/faults`,
    summary: 'The faults, in the order they were added, with how often each was applied',
    answer: { status: 200, schema: S.FaultList, description: 'The faults' },
    handle: ({ authority }) => ({ faults: authority.faults() }),
  }),
  adminRoute({
    method: 'DELETE',
    path: `${ADMIN_PREFIX}/faults`,
    summary: 'Removes every fault',
    answer: { status: 204, description: 'Removed' },
    handle: ({ authority }) => authority.clearFaults(),
  }),
  adminRoute({
    method: 'DELETE',
    path: `${ADMIN_PREFIX}/faults/:id`,
    summary: 'Removes a fault',
    answer: { status: 204, description: 'Removed' },
    handle: ({ authority, params }) => {
      if (!authority.removeFault(params.id ?? '')) throw errors.notFound(`The fault (${params.id})`);
    },
  }),
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/requests`,
    summary: 'The request journal, newest first: what apps sent, secrets fingerprinted',
    query: S.JournalQuery,
    answer: { status: 200, schema: S.JournalList, description: 'The requests' },
    handle: ({ authority }, { query }) => ({ requests: authority.requests(query) }),
  }),
  adminRoute({
    method: 'DELETE',
    path: `${ADMIN_PREFIX}/requests`,
    summary: 'Empties the request journal',
    answer: { status: 204, description: 'Emptied' },
    handle: ({ authority }) => authority.clearRequests(),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/keys/rotate`,
    summary: 'A new signing key; the JWKS serves the previous one too until it is retired',
    body: S.RotateKeys,
    answer: { status: 200, schema: S.Rotation, description: 'The new key id, and the previous one while it is served' },
    handle: ({ authority }, { body }) => authority.rotateKeys(body),
  }),
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/keys`,
    summary: 'The signing keys the JWKS serves',
    answer: { status: 200, schema: S.KeyList, description: 'The keys' },
    handle: ({ authority }) => ({ keys: authority.keys() }),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/users`,
    summary: "A new user with a copy of a fixture user's accounts and data",
    body: S.CreateUser,
    answer: { status: 201, schema: S.CreatedUser, description: 'The user' },
    handle: ({ authority }, { body }) => authority.createUser(body),
  }),
  adminRoute({
    method: 'DELETE',
    path: `${ADMIN_PREFIX}/users/:id`,
    summary: 'Removes a user made at run time, with their consents, tokens and sessions',
    answer: { status: 204, description: 'Removed' },
    handle: ({ authority, params }) => authority.removeUser(params.id ?? ''),
  }),
  adminRoute({
    method: 'PUT',
    path: `${ADMIN_PREFIX}/users/:id/scenario`,
    summary: "Changes what a user's syncs do: accounts that end partial, accounts whose authorisation has lapsed",
    body: S.UserScenario,
    answer: { status: 200, schema: S.ScenarioSet, description: "The user's scenario now" },
    handle: ({ authority, params }, { body }) => ({ id: params.id, scenario: authority.setUserScenario(params.id ?? '', body) }),
  }),
  adminRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/pact/states`,
    summary: "Sets up or tears down a Pact provider state (Pact's state-change request); answers the values it produced",
    body: PactStateChangeSchema,
    answer: { status: 200, schema: S.PactValues, description: 'The values the state produced' },
    handle: ({ authority, req }, { body }) => runPactStateChange(authority, body, req.url.origin),
  }),
  adminRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/openapi.json`,
    summary: 'This API as an OpenAPI 3.1 document',
    answer: { status: 200, schema: S.OpenApiDocument, description: 'The document' },
    handle: () => openApiDocument(),
  }),
];

let document: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document of the admin API (a copy). */
export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApi(adminRoutes, ADMIN_API_VERSION);
  return structuredClone(document);
}
