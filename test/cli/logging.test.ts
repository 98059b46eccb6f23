/** Request logs carry no secrets: no request JWT, token, code or session key. */
import { Writable } from 'node:stream';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import request from 'supertest';
import { expect, it } from 'vitest';
import { createExpressApp } from '../../mock-server/http/express-app.js';
import { bearer, consent, createHarness } from '../support/harness.js';
import { signRequest } from '../support/request-jwt.js';

it('logs method, masked path, status and time, and nothing secret', async () => {
  const h = await createHarness();
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const http = request(createExpressApp(h.authority, pino({ level: 'info' }, sink)));

  const secrets: string[] = [];
  const c = await consent(h); // through the plain harness, to get a code and a session
  const jwt = await signRequest({ code: c.params.get('code'), code_verifier: c.verifier, grant_type: 'authorization_code' });
  secrets.push(jwt, c.params.get('code')!, c.verifier, c.session.key);
  const token = await http.post('/v1.7/oauth/token').set(bearer(jwt));
  const payload = decodeJwt(token.body.token) as { access_token: { value: string }; refresh_token: { value: string } };
  secrets.push(payload.access_token.value, payload.refresh_token.value);
  const listJwt = await signRequest({ access_token: payload.access_token.value });
  secrets.push(listJwt);
  await http.get(`/v1.7/permission-access/query/${c.session.key}`).set(bearer(listJwt));
  await http.get('/apps/saas/authorize').query({ code: c.preauthorization_code, autoConsent: 'accept' });

  expect(lines.length).toBe(3);
  const entries = lines.map((l) => JSON.parse(l));
  expect(entries[0]).toMatchObject({ method: 'POST', path: '/v1.7/oauth/token', status: 201, ms: expect.any(Number) });
  expect(entries[1].path).toBe('/v1.7/permission-access/query/…');
  expect(entries[2].path).toBe('/apps/saas/authorize');
  const all = lines.join('\n');
  for (const secret of [...secrets, c.preauthorization_code]) expect(all).not.toContain(secret);
});
