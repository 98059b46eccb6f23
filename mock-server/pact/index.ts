/**
 * The digi.me provider kit: what it takes to verify digi.me API pacts (ours, or an app team's)
 * against the mock server with pact-js `Verifier`. See contracts/README.md.
 *
 * ```ts
 * const pactFiles = ['pacts/my-app-digime-api.json'];
 * const server = await startMockServer({ port: 0 });
 * const kit = createDigimeProviderKit(server.authority, { app: { appId, contractId, privateKey }, pactFiles });
 * await new Verifier({
 *   provider: 'digime-api',
 *   providerBaseUrl: server.url,
 *   stateHandlers: kit.stateHandlers,
 *   requestFilter: kit.requestFilter,
 *   ...pactSourceFromEnv(pactFiles),
 * }).verifyProvider();
 * expect(kit.jwsPayloads.mismatches).toEqual([]);
 * ```
 */
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { Authority } from '../core/index.js';
import { JwsPayloadCheck } from './jws-payloads.js';
import { createResignRequestFilter, type RequestFilter } from './request-filter.js';
import { ProviderStateContext } from './state-context.js';
import { createDigimeStateHandlers, type DigimeStateHandlersOptions, type StateHandlers } from './state-handlers.js';

export { DIGIME_STATES } from './states.js';
export type {
  AppStateParams,
  DigimeStateValues,
  ExpiryStateParams,
  ProviderStateParams,
  SessionStateParams,
  StorageFileParams,
  UserStateParams,
} from './states.js';
export { ProviderStateContext, type StateClaims } from './state-context.js';
export {
  createDigimeStateHandlers,
  ProviderStateError,
  type DigimeAppContract,
  type DigimeStateHandlersOptions,
  type StateHandlers,
} from './state-handlers.js';
export {
  createResignRequestFilter,
  requestNonce,
  resignCloudToken,
  resignRequestJwt,
  STATE_FAILED_CODE,
  STATE_FAILED_STATUS,
  type FilterableRequest,
  type FilterableResponse,
  type RequestFilter,
  type ResignOptions,
  type ResignRequestFilterOptions,
} from './request-filter.js';
export { pactSourceFromEnv, type PactSourceOptions } from './pact-source.js';
export { JwsPayloadCheck, shapeMismatches, type ObservedResponse } from './jws-payloads.js';

export interface DigimeProviderKitOptions extends Omit<DigimeStateHandlersOptions, 'context' | 'app'> {
  /** The app contract the pacts were recorded for, with the private key its requests are signed with. */
  app: { appId: string; contractId: string; privateKey: KeyObject | string };
  /**
   * The pact files being verified, when they are local: the provider's JWS tokens are then held to
   * the shape of the example tokens' payloads, which Pact itself cannot look into (`jwsPayloads`).
   */
  pactFiles?: string[];
}

export interface DigimeProviderKit {
  stateHandlers: StateHandlers;
  requestFilter: RequestFilter;
  /** What the current interaction's states produced (for hooks and debugging). */
  context: ProviderStateContext;
  /** Token payload shapes, checked after verification: `checked` tokens, `mismatches` found. */
  jwsPayloads: JwsPayloadCheck;
}

/** State handlers and the re-signing request filter, sharing one state context. */
export function createDigimeProviderKit(authority: Authority, options: DigimeProviderKitOptions): DigimeProviderKit {
  const { pactFiles, ...stateOptions } = options;
  const context = new ProviderStateContext();
  const jwsPayloads = new JwsPayloadCheck(pactFiles ?? []);
  return {
    context,
    jwsPayloads,
    stateHandlers: createDigimeStateHandlers(authority, { ...stateOptions, context }),
    requestFilter: createResignRequestFilter({
      privateKey: options.app.privateKey,
      clientId: `${options.app.appId}_${options.app.contractId}`,
      context,
      onResponse: (response) => jwsPayloads.observe(response),
    }),
  };
}

/**
 * The provider states a pact file uses that have no handler. pact-js only logs a warning for
 * those and replays the request anyway, so a test should check this first.
 */
export function missingStateHandlers(pactFile: string, stateHandlers: StateHandlers): string[] {
  const pact = JSON.parse(readFileSync(pactFile, 'utf8')) as {
    interactions?: { providerStates?: { name: string }[]; providerState?: string }[];
  };
  const names = new Set<string>();
  for (const interaction of pact.interactions ?? []) {
    for (const state of interaction.providerStates ?? []) names.add(state.name);
    if (interaction.providerState) names.add(interaction.providerState);
  }
  return [...names].filter((name) => !(name in stateHandlers)).sort();
}
