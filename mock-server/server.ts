/**
 * Starting and stopping the mock over HTTP (or HTTPS): an Authority behind the Express transport.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Logger } from 'pino';
import { Authority, type AuthorityOptions, type MockConfig, type MockConfigInput } from './core/index.js';
import { createRequestListener } from './http/listener.js';
import type { CertificateAuthority } from './tls.js';

export interface StartOptions extends AuthorityOptions {
  logger?: Logger;
  /** With the `https` setting: the certificate authority that signs the server's certificate (default: a new one, in memory). */
  certificateAuthority?: CertificateAuthority;
  /** Runs once the authority exists, before the server listens (the CLI restores its state file here). */
  prepare?: (authority: Authority) => void | Promise<void>;
}

export interface RunningMockServer {
  /** `http://host:port`, or `https://…` with the `https` setting. */
  url: string;
  /** What an SDK's `baseUrl` should be: `url + '/v1.7/'`. */
  baseUrl: string;
  /** What an SDK's `onboardUrl` should be: `url + '/apps/saas/'`. */
  onboardUrl: string;
  /** What an SDK's `cloudBaseUrl` should be (storage): `url + '/cloud/v1/'`. */
  cloudBaseUrl: string;
  authority: Authority;
  server: Server;
  /** With the `https` setting: the authority to trust (its `certPem`), and the names the certificate covers. */
  tls?: { certificateAuthority: CertificateAuthority; hosts: string[] };
  /**
   * Stops the server. With `graceMs`, requests in flight may finish for that long first (the CLI
   * gives them 5 s on SIGTERM and SIGINT); without, every connection closes at once.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * The request logger; none when logging is off. pino (and, below, the certificate code) is loaded
 * only when used, so that a mock without them starts faster and holds less memory.
 */
export async function createLogger(config: MockConfig): Promise<Logger | undefined> {
  if (config.logLevel === 'silent') return undefined;
  const { pino } = await import('pino');
  return pino({
    level: config.logLevel,
    // Nothing secret is logged on purpose; these paths are belt and braces.
    redact: { paths: ['authorization', 'headers.authorization', '*.token', '*.access_token', '*.refresh_token'], censor: '[redacted]' },
  });
}

export async function startMockServer(
  input: MockConfigInput | MockConfig = {},
  options: StartOptions = {},
): Promise<RunningMockServer> {
  const authority = await Authority.create(input, options);
  await options.prepare?.(authority);
  const { config } = authority;
  const logger = options.logger ?? (await createLogger(config));
  const app = createRequestListener(authority, logger);
  let tls: RunningMockServer['tls'];
  let server: Server;
  if (config.https) {
    const { createCertificateAuthority, hostOf, issueServerCertificate } = await import('./tls.js');
    const certificateAuthority = options.certificateAuthority ?? createCertificateAuthority();
    const extra = [config.host, ...(config.publicUrl ? [hostOf(config.publicUrl)] : [])].filter((h) => h !== '0.0.0.0' && h !== '::');
    const certificate = issueServerCertificate(certificateAuthority, extra);
    server = createTlsServer({ key: certificate.key, cert: certificate.cert }, app) as unknown as Server;
    tls = { certificateAuthority, hosts: certificate.hosts };
  } else {
    server = createServer(app);
  }
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
  const url = `${config.https ? 'https' : 'http'}://${host}:${port}`;
  return {
    url,
    baseUrl: `${url}/v1.7/`,
    onboardUrl: `${url}/apps/saas/`,
    cloudBaseUrl: `${url}/cloud/v1/`,
    authority,
    server,
    tls,
    close: (options) => closeGracefully(server, options?.graceMs ?? 0),
  };
}

/**
 * Stops accepting connections and lets requests in flight finish, for up to `graceMs`; idle
 * keep-alive connections are closed at once, and whatever is still open after the grace period.
 */
export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
    if (graceMs <= 0) {
      server.closeAllConnections();
      return;
    }
    // A keep-alive connection whose request has finished goes as soon as it is idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.once('close', () => {
      clearInterval(sweep);
      clearTimeout(timer);
    });
  });
}
