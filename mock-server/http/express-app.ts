/**
 * The HTTP transport under the name it had when it was built on Express (listener.ts); the package
 * still exports it as `createExpressApp`.
 */
export { createRequestListener as createExpressApp, loggablePath } from './listener.js';
