/**
 * Where provider verification takes its pacts from: a Pact Broker when `PACT_BROKER_BASE_URL` is
 * set, else the pact files in the repository. The options are those of pact-js `Verifier`.
 */
import type { VerifierOptions } from '@pact-foundation/pact';

export type PactSourceOptions = Pick<
  VerifierOptions,
  | 'pactUrls'
  | 'pactBrokerUrl'
  | 'pactBrokerToken'
  | 'pactBrokerUsername'
  | 'pactBrokerPassword'
  | 'consumerVersionSelectors'
  | 'enablePending'
  | 'includeWipPactsSince'
  | 'publishVerificationResult'
  | 'providerVersion'
  | 'providerVersionBranch'
  | 'buildUrl'
>;

/**
 * Broker (when `PACT_BROKER_BASE_URL` is set):
 * - `PACT_BROKER_TOKEN`, or `PACT_BROKER_USERNAME` and `PACT_BROKER_PASSWORD`
 * - `PACT_CONSUMER_VERSION_SELECTORS`: JSON array; default: the consumer's main branch, the
 *   versions deployed or released, and the branch matching the provider's
 * - `PACT_PROVIDER_VERSION`, `PACT_PROVIDER_BRANCH`: this provider build (a git SHA and branch)
 * - `PACT_BROKER_PUBLISH_VERIFICATION_RESULTS=true`: publish the results (needs `PACT_PROVIDER_VERSION`)
 * - `PACT_ENABLE_PENDING=true`, `PACT_INCLUDE_WIP_PACTS_SINCE=<date>`, `PACT_BUILD_URL`
 *
 * Otherwise the given local pact files. (These are the variable names pact-core itself reads, so
 * the same settings work from the Pact CLI.) Note that pact-core also adds the broker as a source
 * whenever `PACT_BROKER_BASE_URL` is set and `provider` is given, whatever this returns.
 */
export function pactSourceFromEnv(localPactFiles: string[], env: NodeJS.ProcessEnv = process.env): PactSourceOptions {
  const brokerUrl = env.PACT_BROKER_BASE_URL;
  if (!brokerUrl) return { pactUrls: localPactFiles };
  const publish = env.PACT_BROKER_PUBLISH_VERIFICATION_RESULTS === 'true';
  if (publish && !env.PACT_PROVIDER_VERSION) {
    throw new Error('PACT_BROKER_PUBLISH_VERIFICATION_RESULTS=true needs PACT_PROVIDER_VERSION (e.g. the git SHA)');
  }
  const selectors = env.PACT_CONSUMER_VERSION_SELECTORS
    ? parseSelectors(env.PACT_CONSUMER_VERSION_SELECTORS)
    : [{ mainBranch: true }, { deployedOrReleased: true }, { matchingBranch: true }];
  return {
    pactBrokerUrl: brokerUrl,
    ...(env.PACT_BROKER_TOKEN ? { pactBrokerToken: env.PACT_BROKER_TOKEN } : {}),
    ...(env.PACT_BROKER_USERNAME ? { pactBrokerUsername: env.PACT_BROKER_USERNAME } : {}),
    ...(env.PACT_BROKER_PASSWORD ? { pactBrokerPassword: env.PACT_BROKER_PASSWORD } : {}),
    consumerVersionSelectors: selectors,
    enablePending: env.PACT_ENABLE_PENDING === 'true',
    ...(env.PACT_INCLUDE_WIP_PACTS_SINCE ? { includeWipPactsSince: env.PACT_INCLUDE_WIP_PACTS_SINCE } : {}),
    publishVerificationResult: publish,
    ...(env.PACT_PROVIDER_VERSION ? { providerVersion: env.PACT_PROVIDER_VERSION } : {}),
    ...(env.PACT_PROVIDER_BRANCH ? { providerVersionBranch: env.PACT_PROVIDER_BRANCH } : {}),
    ...(env.PACT_BUILD_URL ? { buildUrl: env.PACT_BUILD_URL } : {}),
  };
}

function parseSelectors(raw: string): NonNullable<VerifierOptions['consumerVersionSelectors']> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`PACT_CONSUMER_VERSION_SELECTORS must be a JSON array of selectors, got: ${raw}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`PACT_CONSUMER_VERSION_SELECTORS must be a JSON array of selectors, got: ${raw}`);
  return parsed as NonNullable<VerifierOptions['consumerVersionSelectors']>;
}
