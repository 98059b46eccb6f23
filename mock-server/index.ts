/**
 * The mock digi.me server's public API (`digime-mock`). It loads no msw: the in-process handlers
 * are `digime-mock/msw`, the Pact provider kit `digime-mock/pact`, the admin client
 * `digime-mock/admin`; all of them share this entry's core, so an `Authority` made here works there.
 */
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { Authority } from './core/index.js';
import { createExpressApp as expressApp } from './http/express-app.js';

export { startMockServer, type RunningMockServer } from './server.js';
export {
  Authority,
  type AuthorityOptions,
  MockClock,
  wallClock,
  type Clock,
  type ClockState,
  parseConfig,
  ConfigSchema,
  type MockConfig,
  type MockConfigInput,
  ApiError,
  type ApiErrorCode,
  SigningKey,
  type TokenSelector,
} from './core/index.js';
/**
 * The Express app over an authority, as a Node request listener to mount in a server of your own.
 * Typed as a listener so that using this package needs no Express types.
 */
export const createExpressApp: (authority: Authority, logger?: Logger) => RequestListener = expressApp;
export { createWireHandler, type WireHandler } from './wire/handler.js';
export type { WireRequest, WireResponse } from './wire/types.js';
