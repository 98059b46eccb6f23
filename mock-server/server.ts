/**
 * Starting and stopping the mock over HTTP: an Authority behind the Express transport.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { Authority, type AuthorityOptions, type MockConfig, type MockConfigInput } from './core/index.js';
import { createExpressApp } from './http/express-app.js';

export interface RunningMockServer {
  /** `http://host:port` */
  url: string;
  /** What an SDK's `baseUrl` should be: `url + '/v1.7/'`. */
  baseUrl: string;
  /** What an SDK's `onboardUrl` should be: `url + '/apps/saas/'`. */
  onboardUrl: string;
  authority: Authority;
  server: Server;
  close(): Promise<void>;
}

export function createLogger(config: MockConfig): Logger {
  return pino({
    level: config.logLevel,
    // Nothing secret is logged on purpose; these paths are belt and braces.
    redact: { paths: ['authorization', 'headers.authorization', '*.token', '*.access_token', '*.refresh_token'], censor: '[redacted]' },
  });
}

export async function startMockServer(
  input: MockConfigInput | MockConfig = {},
  options: AuthorityOptions & { logger?: Logger } = {},
): Promise<RunningMockServer> {
  const authority = await Authority.create(input, options);
  const logger = options.logger ?? createLogger(authority.config);
  const server = createServer(createExpressApp(authority, logger));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(authority.config.port, authority.config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address === '0.0.0.0' ? '127.0.0.1' : address;
  const url = `http://${host}:${port}`;
  return {
    url,
    baseUrl: `${url}/v1.7/`,
    onboardUrl: `${url}/apps/saas/`,
    authority,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
