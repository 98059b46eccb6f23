/**
 * One function from a WireRequest to a WireResponse, over every route the mock serves. Express
 * and msw both call it, so the two transports cannot drift apart.
 */
import { ApiError, type Authority } from '../core/index.js';
import { ADMIN_PREFIX, adminRoutes } from './admin.js';
import { apiRoutes } from './api.js';
import { consentRoutes } from './consent-pages.js';
import { compile, errorResponse, match, methodNotAllowed, notFound, run, type Route } from './router.js';
import type { WireRequest, WireResponse } from './types.js';

export type WireHandler = (req: WireRequest) => Promise<WireResponse>;

export function createWireHandler(authority: Authority, extraRoutes: Route[] = []): WireHandler {
  const routes = compile([...apiRoutes, ...consentRoutes, ...adminRoutes, ...extraRoutes]);
  return async (req) => {
    const { pathname } = req.url;
    if (pathname.startsWith(ADMIN_PREFIX) && !authority.adminAllowed(req.remoteAddress)) {
      return errorResponse(new ApiError('Forbidden', 'The admin API answers loopback clients only'));
    }
    const found = match(routes, req.method.toUpperCase(), pathname);
    if (found === 'method') return methodNotAllowed();
    if (!found) return notFound();
    return run(authority, req, found);
  };
}
