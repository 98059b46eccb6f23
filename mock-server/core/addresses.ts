/**
 * Where the mock's API lives (docs/protocol.md §1): the API base path, and the one rule for the absolute
 * JWKS URL that server-signed JWS name in their `jku` header.
 */
import type { MockConfig } from './config.js';

export const API_BASE_PATH = '/v1.7';

/** The cloud storage base (digi.me: its own host, `https://cloud.digi.me/v1/`), on the mock's origin (§9.6). */
export const CLOUD_BASE_PATH = '/cloud/v1';

/**
 * The JWKS URL clients can reach: on the configured public URL when there is one, else on the
 * origin the request came to, else on the configured port of this machine.
 */
export function jwksUrl(config: Pick<MockConfig, 'publicUrl' | 'port'>, requestOrigin?: string): string {
  const origin = config.publicUrl?.replace(/\/+$/, '') ?? requestOrigin ?? `http://127.0.0.1:${config.port}`;
  return `${origin}${API_BASE_PATH}/jwks/oauth`;
}

/** Where the consent web client's pages live (docs/protocol.md §1), for links the API hands out. */
export const ONBOARD_BASE_PATH = '/apps/saas/';

/** The consent web client's base URL (O): on the configured public URL when there is one, else on the request's origin. */
export function onboardUrl(config: Pick<MockConfig, 'publicUrl' | 'port'>, requestOrigin?: string): string {
  const origin = config.publicUrl?.replace(/\/+$/, '') ?? requestOrigin ?? `http://127.0.0.1:${config.port}`;
  return `${origin}${ONBOARD_BASE_PATH}`;
}
