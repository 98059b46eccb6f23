/**
 * `POST reference` (docs/protocol.md §9.3): an opaque id for an account the app names in the
 * reauthorize page's URL, bound to the app contract, its type and its value.
 */
import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { createReference } from '../support/accounts.js';
import { DEMO_ACCOUNTS } from '../support/data.js';
import { newRsaKeyPair } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

describe('reference', () => {
  it('answers 201 {id}: an opaque id, new on every call, that does not show the value', async () => {
    const h = await createHarness();
    const res = await createReference(h, { type: 'accountId', value: DEMO_ACCOUNTS.spotify });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual(['id']);
    expect(res.body.id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(res.body.id).not.toContain('spotify');
    const again = await createReference(h, { type: 'accountId', value: DEMO_ACCOUNTS.spotify });
    expect(again.body.id).not.toBe(res.body.id);
  });

  it('takes an app JWT: no access token is needed, and one sent is not looked at', async () => {
    const h = await createHarness();
    const res = await h.http
      .post('/v1.7/reference')
      .set('authorization', `Bearer ${await signRequest({ access_token: 'whatever' })}`)
      .send({ type: 'accountId', value: 'any-account' });
    expect(res.status).toBe(201);
  });

  it('answers 400 ValidationErrors for a body that names nothing it can reference', async () => {
    const h = await createHarness();
    for (const body of [
      { type: 'email', value: 'a@b.c' },
      { type: 'AccountId', value: 'x' },
      { type: '__proto__', value: 'x' },
      { type: 'constructor', value: 'x' },
      { type: 'accountId' },
      { type: 'accountId', value: '' },
      { type: 'accountId', value: 7 },
      { type: 'accountId', value: 'x'.repeat(1025) },
      { value: 'x' },
      ['accountId', 'x'],
      null,
      undefined,
    ]) {
      const res = await createReference(h, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'ValidationErrors', message: expect.stringMatching(/^Parameter validation errors: /) });
      expect(res.body.id).toBeUndefined();
    }
    const notJson = await h.http.post('/v1.7/reference').set('authorization', `Bearer ${await signRequest()}`).type('json').send('{nope');
    expect(notJson.status).toBe(406);
    expect((await createReference(h, { type: 'email', value: 'a@b.c' })).body.error.message).toContain('type must be one of accountId');
  });

  it('checks the request JWT as every call does', async () => {
    const h = await createHarness();
    const body = { type: 'accountId', value: DEMO_ACCOUNTS.spotify };
    expect((await h.http.post('/v1.7/reference').send(body)).status).toBe(406);
    expect((await createReference(h, body, { key: newRsaKeyPair().privateKey })).status).toBe(406);
    const unknown = await createReference(h, body, { clientId: 'nobody_here' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.error.code).toBe('InvalidClient');
    const jwt = await signRequest();
    await h.http.post('/v1.7/reference').set('authorization', `Bearer ${jwt}`).send(body);
    const replay = await h.http.post('/v1.7/reference').set('authorization', `Bearer ${jwt}`).send(body);
    expect(replay.status).toBe(406);
    expect(replay.body.error.code).toBe('InvalidRequest');
  });
});
