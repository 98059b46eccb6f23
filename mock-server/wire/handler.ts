/**
 * One function from a WireRequest to a WireResponse, over every route the mock serves. Express
 * and msw both call it, so the two transports cannot drift apart.
 */
import type { Authority } from '../core/index.js';
import { ADMIN_PREFIX, adminGate, adminRoutes } from './admin.js';
import { apiRoutes } from './api.js';
import { cloudRoutes } from './cloud.js';
import { consentRoutes } from './consent-pages.js';
import { corsHeaders, preflightResponse, withHeaders } from './cors.js';
import { observed } from './observe.js';
import { compile, match, methodNotAllowed, methodsOf, notFound, run, type Route } from './router.js';
import type { WireRequest, WireResponse } from './types.js';

export type WireHandler = (req: WireRequest) => Promise<WireResponse>;

export function createWireHandler(authority: Authority, extraRoutes: Route[] = []): WireHandler {
  const routes = compile([...apiRoutes, ...consentRoutes, ...adminRoutes, ...cloudRoutes, ...extraRoutes]);
  const dispatch = async (req: WireRequest): Promise<WireResponse> => {
    const found = match(routes, req.method.toUpperCase(), req.url.pathname);
    if (!found) return notFound();
    if ('allow' in found) return methodNotAllowed(found.allow);
    return run(authority, req, found);
  };
  // API requests (everything but /__admin) meet faults and the journal.
  const api = observed(authority, dispatch);
  return async (req) => {
    const { pathname } = req.url;
    if (pathname.startsWith(ADMIN_PREFIX)) {
      const refused = adminGate(authority, req);
      if (refused) return refused;
      const out = await dispatch(req);
      if (req.method.toUpperCase() !== 'GET' && req.method.toUpperCase() !== 'HEAD') authority.markChanged();
      return out;
    }
    const cors = corsHeaders(authority.config.cors, req);
    if (!cors) return api(req);
    const allow = methodsOf(routes, pathname);
    if (req.method.toUpperCase() === 'OPTIONS' && req.headers['access-control-request-method'] && allow.length > 0) {
      return preflightResponse(cors, allow, req);
    }
    return withHeaders(await api(req), cors);
  };
}
