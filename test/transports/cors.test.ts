/**
 * CORS, opt-in: with `cors` naming an origin, web pages from it may call the API and the consent
 * pages, preflights included; the admin API never answers them. 405s say which methods a path takes.
 */
import { describe, expect, it } from 'vitest';
import { configFromFlags, parseConfig } from '../../mock-server/core/index.js';
import { createWireHandler } from '../../mock-server/wire/handler.js';
import { createHarness } from '../support/harness.js';

const APP = 'http://app.example:3000';

describe('CORS with the cors setting', () => {
  it('answers an allowed origin on the API, with the file headers exposed', async () => {
    const h = await createHarness({ cors: [APP] });
    const res = await h.http.get('/v1.7/jwks/oauth').set('Origin', APP).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers.vary).toMatch(/origin/i);
    expect(res.headers['access-control-expose-headers']).toContain('x-metadata');
    // Errors too, so the page can read digi.me's error body.
    const error = await h.http.post('/v1.7/oauth/token').set('Origin', APP);
    expect(error.status).toBe(406);
    expect(error.headers['access-control-allow-origin']).toBe(APP);
  });

  it('answers preflights with the methods of the path and the headers asked for', async () => {
    const h = await createHarness({ cors: [APP] });
    const res = await h.http
      .options('/v1.7/oauth/token')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type');
    const page = await h.http.options('/apps/saas/authorize').set('Origin', APP).set('Access-Control-Request-Method', 'GET');
    expect(page.status).toBe(204);
    expect(page.headers['access-control-allow-methods']).toContain('GET');
  });

  it('ignores other origins', async () => {
    const h = await createHarness({ cors: [APP] });
    const res = await h.http.get('/v1.7/jwks/oauth').set('Origin', 'http://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await h.http.options('/v1.7/oauth/token').set('Origin', 'http://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(405);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never gives the admin API CORS headers, even with *: a page of another origin is refused', async () => {
    const h = await createHarness({ cors: ['*'] });
    const res = await h.http.get('/__admin/clock').set('Origin', APP).expect(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await h.http.options('/__admin/clock').set('Origin', APP).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect((await h.http.get('/v1.7/jwks/oauth').set('Origin', APP)).headers['access-control-allow-origin']).toBe(APP);
  });

  it('is off by default: no CORS headers, and OPTIONS is a 405 that says what the path takes', async () => {
    const h = await createHarness();
    const res = await h.http.get('/v1.7/jwks/oauth').set('Origin', APP).expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await h.http.options('/v1.7/oauth/token').set('Origin', APP).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(405);
    expect(preflight.headers.allow).toBe('POST');
    expect(preflight.body.error.code).toBe('MethodNotAllowed');
  });

  it('405s carry Allow', async () => {
    const h = await createHarness();
    expect((await h.http.get('/v1.7/oauth/token')).headers.allow).toBe('POST');
    expect((await h.http.post('/v1.7/jwks/oauth')).headers.allow).toBe('GET, HEAD');
    expect((await h.http.delete('/__admin/clock')).headers.allow).toBe('GET, HEAD, POST');
  });

  it('is the same over any transport: the wire handler decides', async () => {
    const h = await createHarness({ cors: [APP] });
    const handle = createWireHandler(h.authority);
    const out = await handle({ method: 'GET', url: new URL('https://api.digi.me/v1.7/jwks/oauth'), headers: { origin: APP } });
    expect(out.headers['access-control-allow-origin']).toBe(APP);
  });

  it('takes origins from a flag or variable, comma-separated, and refuses what is not an origin', () => {
    expect(parseConfig(configFromFlags({ cors: `${APP}, https://b.example` })).cors).toEqual([APP, 'https://b.example']);
    expect(() => parseConfig(configFromFlags({ cors: 'https://b.example/path' }))).toThrow(/cors\.0: must be an origin/);
  });
});
