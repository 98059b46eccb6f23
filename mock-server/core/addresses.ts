/**
 * Where the mock's API lives (docs/protocol.md §1): the API base path, and the one rule for the absolute
 * JWKS URL that server-signed JWS name in their `jku` header.
 */
import type { MockConfig } from './config.js';

export const API_BASE_PATH = '/v1.7';

/**
 * The JWKS URL clients can reach: on the configured public URL when there is one, else on the
 * origin the request came to, else on the configured port of this machine.
 */
export function jwksUrl(config: Pick<MockConfig, 'publicUrl' | 'port'>, requestOrigin?: string): string {
  const origin = config.publicUrl?.replace(/\/+$/, '') ?? requestOrigin ?? `http://127.0.0.1:${config.port}`;
  return `${origin}${API_BASE_PATH}/jwks/oauth`;
}
