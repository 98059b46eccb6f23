import { describe, expect, it } from 'vitest';
import {
  ConsentFailedError,
  createAutoConsentHandler,
  createRedirectConsentHandler,
  parseConsentRedirect,
} from '../src/index.js';
import type { ConsentRequest } from '../src/index.js';

const redirectUri = 'https://app.example/callback';

function request(fetchImpl: typeof fetch, overrides: Partial<ConsentRequest> = {}): ConsentRequest {
  return { url: 'https://fake.digi.me/apps/saas/authorize?code=pre&sourceType=pull', redirectUri, state: 'S', fetch: fetchImpl, ...overrides };
}

describe('parseConsentRedirect', () => {
  it('reads success=true&state&code&accountReference', () => {
    expect(parseConsentRedirect(`${redirectUri}?success=true&state=S&code=C&accountReference=R`)).toEqual({
      success: true,
      state: 'S',
      code: 'C',
      accountReference: 'R',
    });
  });

  it('reads success=false&errorCode&errorMessage', () => {
    expect(parseConsentRedirect('?success=false&state=S&errorCode=ConsentDenied&errorMessage=No')).toEqual({
      success: false,
      state: 'S',
      errorCode: 'ConsentDenied',
      errorMessage: 'No',
    });
  });

  it('refuses a success without a code', () => {
    expect(() => parseConsentRedirect(new URLSearchParams('success=true&state=S'))).toThrow(ConsentFailedError);
  });
});

describe('auto consent handler', () => {
  it('GETs the consent URL with autoConsent, does not follow the 302, and parses Location', async () => {
    const seen: { url: string; redirect: RequestRedirect | undefined }[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), redirect: init?.redirect });
      return new Response(null, { status: 302, headers: { location: `${redirectUri}?success=true&state=S&code=C&accountReference=R` } });
    };
    const result = await createAutoConsentHandler()(request(fetchImpl));
    expect(result).toEqual({ success: true, state: 'S', code: 'C', accountReference: 'R' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.redirect).toBe('manual');
    const url = new URL(seen[0]?.url ?? '');
    expect(url.searchParams.get('autoConsent')).toBe('accept');
    expect(url.searchParams.get('code')).toBe('pre');
  });

  it('asks for a denial and reports it', async () => {
    let asked: string | null = null;
    const fetchImpl: typeof fetch = async (input) => {
      asked = new URL(String(input)).searchParams.get('autoConsent');
      return new Response(null, { status: 302, headers: { location: `${redirectUri}?success=false&state=S&errorCode=ConsentDenied&errorMessage=x` } });
    };
    const result = await createAutoConsentHandler({ decision: 'deny' })(request(fetchImpl));
    expect(asked).toBe('deny');
    expect(result).toMatchObject({ success: false, errorCode: 'ConsentDenied' });
  });

  it('fails with ConsentFailed when the page does not redirect', async () => {
    const fetchImpl: typeof fetch = async () => new Response('<p>Unknown code</p>', { status: 400 });
    await expect(createAutoConsentHandler()(request(fetchImpl))).rejects.toMatchObject({ code: 'ConsentFailed', errorCode: 'NoRedirect' });
  });

  it('fails with ConsentFailed when the redirect goes elsewhere', async () => {
    const fetchImpl: typeof fetch = async () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/x?code=1' } });
    await expect(createAutoConsentHandler()(request(fetchImpl))).rejects.toMatchObject({ errorCode: 'UnexpectedRedirect' });
  });
});

describe('redirect consent handler (web apps)', () => {
  it('hands the URL to the app and resolves when the redirect route completes it', async () => {
    const opened: string[] = [];
    const consent = createRedirectConsentHandler({ open: ({ url }) => void opened.push(url) });
    const pending = consent.handler(request(fetch, { state: 'S1' }));
    await Promise.resolve();
    expect(opened).toHaveLength(1);
    expect(consent.pending).toBe(1);
    expect(consent.complete(`${redirectUri}?success=true&state=unknown&code=C`)).toBe(false);
    expect(consent.complete(`${redirectUri}?success=true&state=S1&code=C`)).toBe(true);
    await expect(pending).resolves.toMatchObject({ success: true, code: 'C', state: 'S1' });
    expect(consent.pending).toBe(0);
  });

  it('times out with ConsentFailed', async () => {
    const consent = createRedirectConsentHandler({ open: () => undefined, timeoutMs: 5 });
    await expect(consent.handler(request(fetch))).rejects.toMatchObject({ code: 'ConsentFailed', errorCode: 'Timeout' });
  });
});
