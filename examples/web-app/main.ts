/**
 * `npm run example:web-app`: the example web app on http://127.0.0.1:3000, against a mock digi.me it
 * starts itself; open the page, connect, approve on the mock's consent page, see your accounts.
 *
 * `--base-url <url>` uses a digi.me (or mock) that is already running instead: then the app can be
 * stopped and started again between "Connect" and the callback, and consent still completes, as
 * long as `WEB_APP_SECRET` (which seals the session cookie) stays the same.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startMockServer } from '../../mock-server/index.js';
import { createWebApp } from './app.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '3000' },
    'base-url': { type: 'string' },
    'onboard-url': { type: 'string' },
    'app-id': { type: 'string', default: 'demo-app' },
    'contract-id': { type: 'string', default: 'demo-ongoing' },
    key: { type: 'string', default: 'fixtures/apps/demo-app.private.TEST-ONLY.pem' },
  },
});

let secret = process.env.WEB_APP_SECRET;
if (!secret) {
  secret = randomBytes(32).toString('base64url');
  console.log('WEB_APP_SECRET is not set: using a random one, so a restart forgets every session');
}

const mock = values['base-url'] ? undefined : await startMockServer({ port: 0, logLevel: 'silent' });
const baseUrl = values['base-url'] ?? mock!.baseUrl;
const onboardUrl = values['onboard-url'] ?? mock?.onboardUrl ?? new URL('/apps/saas/', baseUrl).href;

const host = values.host!;
// The redirect URI names the port, so the app is made once the server has one (`--port 0` picks it).
let app: ReturnType<typeof createWebApp> | undefined;
const server = createServer((req, res) => void app?.(req, res));
await new Promise<void>((resolve) => server.listen(Number(values.port), host, resolve));
const { port } = server.address() as AddressInfo;
app = createWebApp({
  publicUrl: `http://${host}:${port}`,
  secret,
  appId: values['app-id']!,
  contractId: values['contract-id']!,
  privateKey: readFileSync(values.key!, 'utf8'),
  baseUrl,
  onboardUrl,
});
console.log(`Web app listening on http://${host}:${port}/ (digi.me at ${baseUrl})`);

const stop = () => {
  server.close();
  server.closeAllConnections();
  void mock?.close();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
