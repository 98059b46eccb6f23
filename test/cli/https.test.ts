/**
 * HTTPS for phones and simulators: `--https` serves TLS with a certificate from a local certificate
 * authority that the command creates once in its data folder and prints how to trust. A client
 * that trusts only that authority completes a whole flow; one that does not is refused.
 */
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../mock-server/tls.js';
import { createAutoConsentHandler, createDigimeClient } from '../../sdk/src/index.js';
import { root, startCommand, stopAll } from '../support/cli.js';

afterEach(stopAll);

const privateKey = readFileSync(join(root, 'fixtures/apps/demo-app.private.TEST-ONLY.pem'), 'utf8');

/** A fetch over node:https whose only trusted root is `ca` (the system's roots are not used). */
function fetchTrusting(ca: string): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const req = httpsRequest(url, { method: init?.method ?? 'GET', headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
          const status = res.statusCode ?? 500;
          resolve(new Response([204, 304].includes(status) || init?.method === 'HEAD' ? null : Buffer.concat(chunks), { status, headers: out }));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (init?.body !== undefined && init.body !== null) req.write(typeof init.body === 'string' ? init.body : Buffer.from(init.body as ArrayBuffer));
      req.end();
    });
}

describe('digime-mock --https', { timeout: 120_000 }, () => {
  it('keeps one certificate authority in the data folder and prints how to trust it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'https-'));
    const first = await startCommand(['--https', '--port', '0', '--data-dir', dataDir]);
    const caFile = join(dataDir, 'ca.pem');
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(first.output()).toContain(caFile);
    expect(first.output()).toContain(`xcrun simctl keychain booted add-root-cert ${caFile}`);
    expect(first.output()).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
    expect(first.output()).toMatch(/adb push/);
    expect(statSync(join(dataDir, 'ca-key.pem')).mode & 0o077).toBe(0);
    const ca = readFileSync(caFile, 'utf8');
    first.proc.kill('SIGTERM');

    // The environment variable turns it on too; a restart keeps the same authority.
    const second = await startCommand(['--port', '0', '--data-dir', dataDir], { DIGIME_MOCK_HTTPS: '1' });
    expect(second.url).toMatch(/^https:/);
    expect(readFileSync(caFile, 'utf8')).toBe(ca);
    const health = await fetchTrusting(ca)(`${second.url}/__admin/health`);
    expect(health.status).toBe(200);
  });

  it('an SDK that trusts only that authority completes a flow; a client that does not is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'https-'));
    const { url } = await startCommand(['--https', '--port', '0', '--data-dir', dataDir, '--consent', 'accept']);
    const ca = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
    const trusting = fetchTrusting(ca);
    const client = createDigimeClient({
      appId: 'demo-app',
      contractId: 'demo-ongoing',
      privateKey,
      baseUrl: `${url}/v1.7/`,
      onboardUrl: `${url}/apps/saas/`,
      redirectUri: 'http://localhost:3000/callback',
      consentHandler: createAutoConsentHandler(),
      fetch: trusting,
    });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const { accounts } = await client.readAccounts({ oAuthToken });
    expect(accounts.length).toBeGreaterThan(0);
    // Server-signed answers name their key set over https.
    expect(decodeProtectedHeader(oAuthToken.accessToken.value).kid).toBeTruthy();
    const jwks = await trusting(`${url}/v1.7/jwks/oauth`);
    expect(jwks.status).toBe(200);

    const refused = await fetch(`${url}/__admin/health`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect(String((refused as Error & { cause?: Error }).cause?.message)).toMatch(/certificate/i);
    // Trusting another authority is no better.
    const other = createCertificateAuthority().certPem;
    const alsoRefused = await fetchTrusting(other)(`${url}/__admin/health`).catch((e: unknown) => e);
    expect(String((alsoRefused as Error).message)).toMatch(/certificate/i);
  });
});
