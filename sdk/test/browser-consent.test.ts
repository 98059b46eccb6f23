import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserConsentHandler, DEFAULT_CHROMIUM_PATH } from '../src/index.js';
import type { ConsentRequest } from '../src/index.js';

/**
 * Drives Debian's chromium through a stand-in consent page (a form with Approve and Deny buttons
 * that redirects to redirectUri), so the browser handler is tested without the mock server.
 */
const hasChromium = existsSync(DEFAULT_CHROMIUM_PATH);
const redirectUri = 'http://127.0.0.1:9/callback'; // discard port: nothing listens, nothing must be reached

const page = (code: string) => `<!doctype html><html><body><h1>Share your data?</h1>
<form action="decide" method="post"><input type="hidden" name="code" value="${code}">
<button name="decision" value="deny">Deny</button><button name="decision" value="approve">Approve</button></form></body></html>`;

describe.skipIf(!hasChromium && !process.env.CI)('browser consent handler (chromium)', () => {
  let base = '';
  const states = new Map<string, string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/apps/saas/authorize') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page(url.searchParams.get('code') ?? ''));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/apps/saas/decide') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const target = new URL(redirectUri);
        target.searchParams.set('state', states.get(form.get('code') ?? '') ?? '');
        if (form.get('decision') === 'approve') {
          target.searchParams.set('success', 'true');
          target.searchParams.set('code', 'auth-code');
          target.searchParams.set('accountReference', 'acc-ref');
        } else {
          target.searchParams.set('success', 'false');
          target.searchParams.set('errorCode', 'ConsentDenied');
          target.searchParams.set('errorMessage', 'The user said no');
        }
        res.writeHead(302, { location: target.href }).end();
      });
      return;
    }
    res.writeHead(404).end();
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/apps/saas/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const request = (code: string, state: string): ConsentRequest => {
    states.set(code, state);
    return { url: `${base}authorize?code=${code}&sourceType=pull`, redirectUri, state, fetch };
  };

  it('clicks Approve by default and captures the redirect to redirectUri', async () => {
    const result = await createBrowserConsentHandler({ timeoutMs: 30_000 })(request('pre-1', 'state-1'));
    expect(result).toEqual({ success: true, state: 'state-1', code: 'auth-code', accountReference: 'acc-ref' });
  }, 60_000);

  it('lets the caller act on the page (here: deny)', async () => {
    const handler = createBrowserConsentHandler({
      timeoutMs: 30_000,
      act: async (p) => {
        await p.getByRole('button', { name: 'Deny' }).click();
      },
    });
    const result = await handler(request('pre-2', 'state-2'));
    expect(result).toMatchObject({ success: false, state: 'state-2', errorCode: 'ConsentDenied' });
  }, 60_000);
});
