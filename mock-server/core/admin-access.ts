/**
 * Who may drive the control plane (docs/protocol.md §8.10). The admin API moves clocks and mints
 * tokens, so no web page may reach it: a request from another origin is refused (403), and a body
 * must be JSON (415), which a page cannot send across origins without a preflight the admin API
 * never answers. Without an admin token it answers this machine only (unless `admin.allowRemote`),
 * and only under a loopback host name or the public URL's, which a page that rebinds its own name
 * to 127.0.0.1 cannot offer. With an admin token (`admin.token`), every call must carry it and any
 * client may call. Health answers anyone.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CoreContext } from './context.js';
import { ApiError } from './errors.js';
import { bearerToken } from './request-jwt.js';

const LOOPBACK_ADDRESS = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|[^:]+\.localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export interface AdminRequest {
  /** The peer's address; undefined in-process (msw), which is always this machine. */
  remoteAddress?: string;
  /** The origin the request was addressed to (`http://127.0.0.1:8080`). */
  origin: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  hasBody: boolean;
  /** Health: open to any client. */
  open: boolean;
}

const forbidden = (message: string) => new ApiError('Forbidden', message);

const digest = (s: string) => createHash('sha256').update(s).digest();

function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

/** Why this admin request is refused, or undefined when it may go on. */
export function adminRefusal(ctx: CoreContext, req: AdminRequest): ApiError | undefined {
  if (req.open) return undefined;
  const { admin, publicUrl } = ctx.config;
  const own = new Set([req.origin, ...(publicUrl ? [new URL(publicUrl).origin] : [])]);
  const origin = req.headers.origin;
  if (origin !== undefined && !own.has(origin)) {
    return forbidden(`The admin API does not answer web pages of other origins (Origin: ${origin.slice(0, 100)})`);
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return forbidden('The admin API does not answer web pages of other sites');
  if (admin.token !== undefined) {
    const given = bearerToken(req.headers.authorization);
    if (given === undefined || !timingSafeEqual(digest(given), digest(admin.token))) {
      return new ApiError('Unauthorized', 'The admin API needs the admin token: Authorization: Bearer <token>');
    }
  } else if (req.remoteAddress !== undefined && !admin.allowRemote) {
    if (!LOOPBACK_ADDRESS.test(req.remoteAddress)) return forbidden('The admin API answers loopback clients only');
    const host = req.headers.host;
    const publicHost = publicUrl ? new URL(publicUrl).host : undefined;
    if (host !== undefined && host !== publicHost && !LOOPBACK_HOST.test(hostName(host))) {
      return forbidden('The admin API answers loopback host names only (localhost, 127.0.0.1, [::1]) unless publicUrl or an admin token is set');
    }
  }
  if (req.hasBody && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    return new ApiError('UnsupportedMediaType', 'Admin calls take JSON bodies: Content-Type: application/json');
  }
  return undefined;
}
