/** The consent web client's pages over HTTP: the page itself, the form, and the consent modes. */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearer, createHarness, REDIRECT_URI, type Harness } from '../support/harness.js';
import { pkce, signRequest } from '../support/request-jwt.js';

async function preauth(h: Harness, body: object = {}) {
  const res = await h.http
    .post('/v1.7/oauth/authorize')
    .set(bearer(await signRequest({ code_challenge: pkce().challenge, redirect_uri: REDIRECT_URI, state: 'st<&>' })))
    .send(body);
  return (decodeJwt(res.body.token) as { preauthorization_code: string }).preauthorization_code;
}

describe('consent page', () => {
  it('shows the app, what it asks for, a user chooser, Approve and Deny', async () => {
    const h = await createHarness();
    const code = await preauth(h, {
      actions: { pull: { scope: { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }], timeRanges: [{ last: '6m' }] } } },
    });
    const page = await h.http.get('/apps/saas/authorize').query({ code, sourceType: 'pull' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('Demo App (Genrefy)');
    expect(page.text).toContain('Music: Spotify (playhistory)');
    expect(page.text).toContain('The last 6m');
    expect(page.text).toMatch(/<button[^>]*value="accept"[^>]*>Approve<\/button>/);
    expect(page.text).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
    expect(page.text).toContain('<option value="demo" selected>');
    expect(page.text).toContain('<option value="alex">');
  });

  it('the form post approves with a 303 to the redirect URI, escaping nothing into the page', async () => {
    const h = await createHarness();
    const code = await preauth(h);
    const res = await h.http.post('/apps/saas/authorize').type('form').send({ code, decision: 'accept', user: 'demo' });
    expect(res.status).toBe(303);
    const url = new URL(res.headers.location!);
    expect(url.origin + url.pathname).toBe(REDIRECT_URI);
    expect(url.searchParams.get('state')).toBe('st<&>');
    expect(url.searchParams.get('success')).toBe('true');
  });

  it('the form post denies', async () => {
    const h = await createHarness();
    const code = await preauth(h);
    const res = await h.http.post('/apps/saas/authorize').type('form').send({ code, decision: 'deny' });
    expect(new URL(res.headers.location!).searchParams.get('errorCode')).toBe('ConsentDenied');
  });

  it('an unknown user or missing decision is an error page', async () => {
    const h = await createHarness();
    const code = await preauth(h);
    const noDecision = await h.http.post('/apps/saas/authorize').type('form').send({ code });
    expect(noDecision.status).toBe(400);
    const ghost = await h.http.post('/apps/saas/authorize').type('form').send({ code, decision: 'accept', user: 'ghost' });
    expect(ghost.status).toBe(400);
    expect(ghost.text).toContain('There is no user');
  });

  it('consent mode "accept" and "deny" decide at once without autoConsent', async () => {
    for (const mode of ['accept', 'deny'] as const) {
      const h = await createHarness({ consent: mode });
      const res = await h.http.get('/apps/saas/authorize').query({ code: await preauth(h) });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.location!).searchParams.get('success')).toBe(mode === 'accept' ? 'true' : 'false');
    }
  });

  it('autoConsent overrides the consent mode', async () => {
    const h = await createHarness({ consent: 'deny' });
    const res = await h.http.get('/apps/saas/authorize').query({ code: await preauth(h), autoConsent: 'accept' });
    expect(new URL(res.headers.location!).searchParams.get('success')).toBe('true');
  });

  it('an authorize code does not open the user-reauth page', async () => {
    const h = await createHarness();
    const res = await h.http.get('/apps/saas/user-reauth').query({ code: await preauth(h) });
    expect(res.status).toBe(400);
  });
});
