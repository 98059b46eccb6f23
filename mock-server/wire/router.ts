/**
 * The route table every transport shares: method + path → a function of the authority and the
 * request. A path that matches with another method answers 405; anything else 404, both in
 * digi.me's error shape.
 */
import { ApiError, asApiError, type Authority } from '../core/index.js';
import { json, type WireRequest, type WireResponse } from './types.js';

export interface RouteContext {
  authority: Authority;
  req: WireRequest;
  params: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path with `:name` segments; a last segment `*name` takes the rest of the path, slashes and all. */
  path: string;
  /** A short name for logs and the journal (no secrets: the pattern, not the path). */
  name?: string;
  handler: (ctx: RouteContext) => Promise<WireResponse> | WireResponse;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  keys: string[];
}

/**
 * A compiled table, and the answer `match` gives for each method on each path of a route without
 * parameters (with and without its trailing slash), worked out once by `match` itself: most
 * requests name such a path, and then no pattern needs to run.
 */
export type CompiledRoutes = CompiledRoute[] & { exact?: Map<string, Match | { allow: string[] }> };

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];

export function compile(routes: Route[]): CompiledRoutes {
  const compiled: CompiledRoutes = compileEach(routes);
  const exact = new Map<string, Match | { allow: string[] }>();
  for (const route of compiled) {
    if (route.keys.length > 0) continue;
    for (const path of [route.path, `${route.path}/`]) {
      for (const method of METHODS) {
        const found = match(compiled, method, path);
        if (found) exact.set(`${method} ${path}`, found);
      }
    }
  }
  compiled.exact = exact;
  return compiled;
}

function compileEach(routes: Route[]): CompiledRoute[] {
  return routes.map((route) => {
    const keys: string[] = [];
    const source = route.path
      .split('/')
      .map((seg) => {
        if (seg.startsWith('*')) {
          keys.push(seg.slice(1));
          return '(.*)';
        }
        if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(seg.slice(1));
        return '([^/]+)';
      })
      .join('/');
    return { ...route, regex: new RegExp(`^${source}/?$`), keys };
  });
}

export const errorResponse = (err: ApiError): WireResponse => json(err.status, err.toBody());

export interface Match {
  route: CompiledRoute;
  params: Record<string, string>;
}

/** The methods a path answers (HEAD wherever GET is), in table order; empty when no route has the path. */
export function methodsOf(routes: CompiledRoute[], pathname: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (!route.regex.test(pathname)) continue;
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
  }
  return [...methods];
}

/** The route for a request; `{ allow }` when the path exists but not with this method. */
export function match(routes: CompiledRoutes, method: string, pathname: string): Match | { allow: string[] } | undefined {
  const known = routes.exact?.get(`${method} ${pathname}`);
  if (known) return 'allow' in known ? { allow: [...known.allow] } : { route: known.route, params: {} };
  for (const route of routes) {
    const m = route.regex.exec(pathname);
    if (!m) continue;
    // HEAD is served by the GET route (transports drop the body).
    if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
    const params: Record<string, string> = {};
    route.keys.forEach((k, i) => {
      try {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      } catch {
        params[k] = m[i + 1] ?? '';
      }
    });
    return { route, params };
  }
  const allow = methodsOf(routes, pathname);
  return allow.length > 0 ? { allow } : undefined;
}

/** Runs a matched route, turning every thrown error into digi.me's error response. */
export async function run(authority: Authority, req: WireRequest, found: Match): Promise<WireResponse> {
  try {
    return await found.route.handler({ authority, req, params: found.params });
  } catch (err) {
    return errorResponse(asApiError(err));
  }
}

export const notFound = () => errorResponse(new ApiError('NotFound', 'The requested resource was not found'));
export const methodNotAllowed = (allow: string[]) => {
  const response = errorResponse(new ApiError('MethodNotAllowed', 'The method is not allowed for this resource'));
  return { ...response, headers: { ...response.headers, allow: allow.join(', ') } };
};
