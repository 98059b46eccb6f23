/**
 * The mock digi.me server's public API (`digime-mock`). It loads no msw: the in-process handlers
 * are `digime-mock/msw`, the Pact provider kit `digime-mock/pact`, the admin client
 * `digime-mock/admin`; all of them share this entry's core, so an `Authority` made here works there.
 */
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { Authority } from './core/index.js';
import { createRequestListener as requestListener } from './http/listener.js';

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
/** The HTTP transport over an authority: a Node request listener to mount in a server of your own. */
export const createRequestListener: (authority: Authority, logger?: Logger) => RequestListener = requestListener;
/** The same listener under its earlier name (it was an Express app; it serves the same requests). */
export const createExpressApp = createRequestListener;
export { createWireHandler, type WireHandler } from './wire/handler.js';
export type { WireRequest, WireResponse } from './wire/types.js';
