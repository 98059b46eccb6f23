/**
 * The provider kit's states behind a URL (`POST /__admin/pact/states`, docs/protocol.md §8.10), so
 * that any Pact verifier, in any language, can set them up on a running mock through its
 * provider-states set-up URL. The body is Pact's state-change request, `{state, params, action}`;
 * the answer is what the state produced (tokens, code and verifier, session key, file name, account
 * and storage ids), for `fromProviderState` expressions and for the verifier's request filter,
 * which signs each replayed request JWT with the app's key and these values.
 *
 * The app contract is the one the params name (`appId` and `contractId`, or `clientId`), else the
 * one an `an app contract <id> is registered` state named, else the one the previous state used,
 * else the contract registered last.
 */
import { z } from 'zod';
import { ApiError, parseInput, type Authority } from '../core/index.js';
import { ProviderStateContext } from './state-context.js';
import { createDigimeStateHandlers, ProviderStateError } from './state-handlers.js';
import { DIGIME_STATES } from './states.js';

export const PactStateChangeSchema = z
  .object({
    /** The provider state's name, one of the kit's (`DIGIME_STATES`). */
    state: z.string(),
    params: z.record(z.string(), z.unknown()).optional(),
    action: z.enum(['setup', 'teardown']).default('setup'),
  })
  .loose();
export type PactStateChange = z.input<typeof PactStateChangeSchema>;

type Step = { setup(params?: unknown): Promise<Record<string, string>>; teardown(params?: unknown): Promise<unknown> };

const APP_STATE = /^an app contract (\S+) is registered$/;

/** Runs state changes against one authority; `origin` is where its API is reached (for token `jku`s). */
export function createPactStateRunner(authority: Authority) {
  const kits = new Map<string, Record<string, Step>>();
  let lastClientId: string | undefined;

  function appFor(change: z.output<typeof PactStateChangeSchema>): string {
    const params = change.params ?? {};
    const named =
      typeof params.appId === 'string' && typeof params.contractId === 'string'
        ? `${params.appId}_${params.contractId}`
        : typeof params.clientId === 'string'
          ? params.clientId
          : undefined;
    const apps = authority.overview().apps;
    if (named !== undefined) {
      if (!authority.app(named)) throw invalid(`params: no app contract ${named} is registered`);
      return named;
    }
    const contractId = APP_STATE.exec(change.state)?.[1];
    if (contractId !== undefined) {
      const app = apps.find((a) => a.contractId === contractId);
      if (!app) throw invalid(`state: no app contract ${contractId} is registered`);
      return app.clientId;
    }
    if (lastClientId !== undefined && authority.app(lastClientId)) return lastClientId;
    const last = apps.at(-1);
    if (!last) throw invalid('no app contract is registered');
    return last.clientId;
  }

  return async (input: unknown, origin: string): Promise<Record<string, string>> => {
    const change = parseInput(PactStateChangeSchema, input);
    const clientId = appFor(change);
    lastClientId = clientId;
    const app = authority.app(clientId)!;
    // One kit per contract, made on its first state change (its tokens' `jku` takes that call's
    // origin unless publicUrl is set): its teardown puts back the clock its set-up found.
    const key = `${clientId} ${app.publicKeyPem}`;
    let steps = kits.get(key);
    if (!steps) {
      steps = createDigimeStateHandlers(authority, {
        context: new ProviderStateContext(),
        app: { appId: app.appId, contractId: app.contractId, publicKey: app.publicKeyPem },
        baseUrl: `${origin}/v1.7/`,
      }) as unknown as Record<string, Step>;
      kits.set(key, steps);
    }
    const step = Object.hasOwn(steps, change.state) ? steps[change.state] : undefined;
    if (!step) {
      const known = Object.keys(steps).filter((s) => s !== DIGIME_STATES.none);
      throw invalid(`state: "${change.state}" is not a provider state of this mock; the states are: ${known.map((s) => `"${s}"`).join(', ')}`);
    }
    try {
      if (change.action === 'teardown') {
        await step.teardown(change.params);
        return {};
      }
      return await step.setup(change.params);
    } catch (err) {
      if (err instanceof ProviderStateError) throw invalid(err.message);
      throw err;
    }
  };
}

const runners = new WeakMap<Authority, ReturnType<typeof createPactStateRunner>>();

/**
 * Runs a state change against an authority, with the one runner it has: a state's teardown needs
 * what its set-up remembered, whichever transport carried each.
 */
export function runPactStateChange(authority: Authority, change: unknown, origin: string): Promise<Record<string, string>> {
  let run = runners.get(authority);
  if (!run) runners.set(authority, (run = createPactStateRunner(authority)));
  return run(change, origin);
}

const invalid = (message: string) => new ApiError('ValidationErrors', `Parameter validation errors: ${message}`, 400);
