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
import { createDigimeHandlers, type DigimeHandlerUrls } from './handlers.js';

export { createDigimeHandlers, type DigimeHandlerUrls } from './handlers.js';

export interface DigimeMock {
  authority: Authority;
  handlers: ReturnType<typeof createDigimeHandlers>;
  /** The mock clock: advance, set, freeze, reset. */
  clock: MockClock;
  baseUrl: string;
  onboardUrl: string;
  expireTokens(selector?: TokenSelector): number;
  revokeTokens(selector?: TokenSelector): number;
}

export async function createDigimeMock(
  config: MockConfigInput & DigimeHandlerUrls = {},
  options: AuthorityOptions = {},
): Promise<DigimeMock> {
  const { baseUrl = 'https://api.digi.me/v1.7/', onboardUrl = 'https://api.digi.me/apps/saas/', ...rest } = config;
  const authority = await Authority.create({ logLevel: 'silent', ...rest }, options);
  return {
    authority,
    handlers: createDigimeHandlers(authority, { baseUrl, onboardUrl }),
    clock: authority.clock,
    baseUrl,
    onboardUrl,
    expireTokens: (s) => authority.expireTokens(s),
    revokeTokens: (s) => authority.revokeTokens(s),
  };
}
