import type { Clock, MockClock } from './clock.js';
import type { MockConfig } from './config.js';
import type { User } from './model.js';
import type { ServerJwk, SigningKey } from './keys.js';
import type { Store } from './store.js';

/** What every core rule reads: configuration, the two clocks, the store, the signing key, users. */
export interface CoreContext {
  config: MockConfig;
  /** The mock clock: every lifetime. */
  clock: MockClock;
  /** The real clock: request-JWT timestamps only. */
  wallClock: Clock;
  store: Store;
  /** The key that signs now; replaced when keys are rotated (key-rotation.ts). */
  keys: SigningKey;
  /** The key it replaced, public half only: the JWKS serves it until it is retired. */
  previousKey?: ServerJwk;
  users: Map<string, User>;
}
