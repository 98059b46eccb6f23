/**
 * The mock in-process: `createDigimeMock()` gives msw handlers plus the authority behind them, for
 * tests that move the clock or expire tokens without any HTTP server.
 *
 *   const mock = await createDigimeMock();
 *   const server = setupServer(...mock.handlers);
 *   server.listen();
 *   mock.clock.advance(86_400); // every access token issued so far has expired
 */
import { Authority, type AuthorityOptions, type MockClock, type MockConfigInput, type TokenSelector } from '../core/index.js';
import { controlPlane, type DigimeControl } from './control.js';
import { createDigimeHandlers, type DigimeHandlerUrls } from './handlers.js';

export { createDigimeHandlers, type DigimeHandlerUrls } from './handlers.js';

export type { DigimeControl } from './control.js';

/** The handlers, the authority behind them, and every `/__admin` call as a method (DigimeControl). */
export interface DigimeMock extends DigimeControl {
  authority: Authority;
  handlers: ReturnType<typeof createDigimeHandlers>;
  /** The mock clock: advance, set, freeze, reset. */
  clock: MockClock;
  baseUrl: string;
  onboardUrl: string;
  /** Where the cloud storage calls go (the SDK's `cloudBaseUrl`). */
  cloudBaseUrl: string;
  expireTokens(selector?: TokenSelector): number;
  revokeTokens(selector?: TokenSelector): number;
}

export async function createDigimeMock(
  config: MockConfigInput & DigimeHandlerUrls = {},
  options: AuthorityOptions = {},
): Promise<DigimeMock> {
  const {
    baseUrl = 'https://api.digi.me/v1.7/',
    onboardUrl = 'https://api.digi.me/apps/saas/',
    cloudBaseUrl = 'https://cloud.digi.me/v1/',
    ...rest
  } = config;
  const authority = await Authority.create({ logLevel: 'silent', ...rest }, options);
  return {
    authority,
    handlers: createDigimeHandlers(authority, { baseUrl, onboardUrl, cloudBaseUrl }),
    clock: authority.clock,
    baseUrl,
    onboardUrl,
    cloudBaseUrl,
    expireTokens: (s) => authority.expireTokens(s),
    revokeTokens: (s) => authority.revokeTokens(s),
    ...controlPlane(authority, baseUrl),
  };
}
