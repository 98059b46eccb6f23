/** The mock digi.me server's public API. */
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
export { createExpressApp } from './http/express-app.js';
export { createWireHandler, type WireHandler } from './wire/handler.js';
export type { WireRequest, WireResponse } from './wire/types.js';
export { createDigimeMock, createDigimeHandlers, type DigimeMock, type DigimeHandlerUrls } from './msw/index.js';
