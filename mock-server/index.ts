/** The mock digi.me server's public API. */
export { startMockServer, type RunningMockServer } from './server.js';
export { Authority, type AuthorityOptions } from './core/authority.js';
export { MockClock, wallClock, type Clock, type ClockState } from './core/clock.js';
export { parseConfig, ConfigSchema, type MockConfig, type MockConfigInput } from './core/config.js';
export { DigimeError, type DigimeErrorCode } from './core/errors.js';
export { SigningKey } from './core/keys.js';
export { createExpressApp } from './http/express-app.js';
export { createWireHandler, type WireHandler } from './wire/handler.js';
export type { WireRequest, WireResponse } from './wire/types.js';
export { createDigimeMock, createDigimeHandlers, type DigimeMock, type DigimeHandlerUrls } from './msw/index.js';
export type { TokenSelector } from './core/control.js';
