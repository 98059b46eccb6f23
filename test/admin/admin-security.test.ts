/**
 * Who may drive the control plane: no web page of another origin (403), JSON bodies only (415),
 * loopback host names only without a token, the admin token when one is set, health for anyone.
 */
import { describe, expect, it } from 'vitest';
import { createWireHandler } from '../../mock-server/wire/handler.js';
import { createHarness } from '../support/harness.js';

describe('admin security', () => {
  it('refuses a CSRF-style request: a text/plain POST from a foreign origin moves no clock', async () => {
    const h = await createHarness();
    const before = h.authority.clock.state().offsetMs;
    const csrf = await h.http.post('/__admin/clock').set('Origin', 'http://evil.example').set('Content-Type', 'text/plain').send('{"advance": 86400}');
    expect(csrf.status).toBe(403);
    expect(csrf.body.error.code).toBe('Forbidden');
    const sameOriginText = await h.http.post('/__admin/clock').set('Content-Type', 'text/plain').send('{"advance": 86400}');
    expect(sameOriginText.status).toBe(415);
    expect(sameOriginText.body.error.code).toBe('UnsupportedMediaType');
    const form = await h.http.post('/__admin/reset').set('Content-Type', 'application/x-www-form-urlencoded').send('a=b');
    expect(form.status).toBe(415);
    expect(h.authority.clock.state().offsetMs - before).toBeLessThan(1000);
  });

  it("refuses every other origin, and pages of other sites; answers the mock's own origin", async () => {
    const h = await createHarness();
    for (const origin of ['http://localhost:3000', 'null', 'https://127.0.0.1:1']) {
      expect((await h.http.get('/__admin/state').set('Origin', origin)).status).toBe(403);
    }
    expect((await h.http.get('/__admin/clock').set('Sec-Fetch-Site', 'same-site')).status).toBe(403);
    const handle = createWireHandler(h.authority);
    const own = await handle({ method: 'GET', url: new URL('http://127.0.0.1:8080/__admin/clock'), headers: { origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' }, remoteAddress: '127.0.0.1' });
    expect(own.status).toBe(200);
    const publicUrl = await createHarness({ publicUrl: 'https://mock.example.test' });
    const viaPublic = await createWireHandler(publicUrl.authority)({
      method: 'GET',
      url: new URL('http://127.0.0.1:8080/__admin/clock'),
      headers: { origin: 'https://mock.example.test', host: 'mock.example.test' },
      remoteAddress: '127.0.0.1',
    });
    expect(viaPublic.status).toBe(200);
  });

  it('answers loopback host names only, so a page that rebinds its name to 127.0.0.1 gets nothing', async () => {
    const h = await createHarness();
    const handle = createWireHandler(h.authority);
    const at = (host: string) => handle({ method: 'GET', url: new URL(`http://${host}/__admin/clock`), headers: { host }, remoteAddress: '127.0.0.1' });
    expect((await at('attacker.example:8080')).status).toBe(403);
    for (const host of ['127.0.0.1:8080', 'localhost:8080', 'app.localhost', '[::1]:8080']) expect((await at(host)).status).toBe(200);
  });

  it('malformed JSON and bad fields are 400 ValidationErrors', async () => {
    const h = await createHarness();
    const malformed = await h.http.post('/__admin/clock').set('Content-Type', 'application/json').send('{"advance": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('ValidationErrors');
    const bad = await h.http.post('/__admin/faults').send({ match: {}, respond: { status: 99 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('respond.status');
  });

  it('with an admin token: every call but health needs it, and remote clients may call', async () => {
    const token = 'a-long-and-secret-admin-token';
    const h = await createHarness({ admin: { token } });
    const handle = createWireHandler(h.authority);
    const remote = (path: string, headers: Record<string, string> = {}) =>
      handle({ method: 'GET', url: new URL(`http://192.0.2.1:8080${path}`), headers: { host: '192.0.2.1:8080', ...headers }, remoteAddress: '192.0.2.7' });
    const none = await remote('/__admin/clock');
    expect(none.status).toBe(401);
    expect((none.body as { error: { code: string } }).error.code).toBe('Unauthorized');
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect((await remote('/__admin/clock', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await remote('/__admin/clock', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await h.http.get('/__admin/state')).status).toBe(401);
    expect((await h.http.get('/__admin/state').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    // A foreign page that somehow has the token is still refused.
    expect((await h.http.get('/__admin/clock').set('Authorization', `Bearer ${token}`).set('Origin', 'http://evil.example')).status).toBe(403);
  });

  it('health answers any client, with the status and the key id only', async () => {
    const h = await createHarness({ admin: { token: 'another-secret-admin-token' } });
    const handle = createWireHandler(h.authority);
    const out = await handle({ method: 'GET', url: new URL('http://192.0.2.1/__admin/health'), headers: { origin: 'http://evil.example' }, remoteAddress: '198.51.100.9' });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ status: 'ok', kid: h.authority.overview().kid });
    const loopbackOnly = await createHarness();
    const remote = await createWireHandler(loopbackOnly.authority)({ method: 'GET', url: new URL('http://192.0.2.1/__admin/health'), headers: {}, remoteAddress: '198.51.100.9' });
    expect(remote.status).toBe(200);
    expect(Object.keys(remote.body as object).sort()).toEqual(['kid', 'status']);
  });

  it('an empty selector on tokens/expire and tokens/revoke still means all, and the answer says how many of how many apps', async () => {
    const { authorizeAndExchange } = await import('../support/harness.js');
    const { newRsaKeyPair } = await import('../support/keys.js');
    const h = await createHarness();
    const other = newRsaKeyPair();
    await h.http.post('/__admin/apps').send({ appId: 'second', contractId: 'c', publicKey: other.publicKeyPem }).expect(201);
    await authorizeAndExchange(h);
    await authorizeAndExchange(h, { sign: { key: other.privateKey, clientId: 'second_c' } });
    expect((await h.http.post('/__admin/tokens/expire').send({})).body).toEqual({ expired: 4, apps: 2 });
    expect((await h.http.post('/__admin/tokens/revoke').send({})).body).toEqual({ revoked: 4, apps: 2 });
  });
});
