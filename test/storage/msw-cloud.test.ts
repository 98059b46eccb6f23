/**
 * The cloud in-process (docs/protocol.md §1, §9.6): the msw handlers serve it at `cloudBaseUrl`,
 * whatever its origin and path, as the Express server serves it at `/cloud/v1/`.
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../mock-server/core/index.js';
import { createDigimeMock, type DigimeMock } from '../../mock-server/msw/index.js';
import { testServerKeyPem } from '../support/keys.js';
import { signCloudToken } from '../support/push-storage.js';
import { signRequest } from '../support/request-jwt.js';

const cloudBaseUrl = 'https://files.example/storage/v9/';
let mock: DigimeMock;
let server: ReturnType<typeof setupServer>;

beforeAll(async () => {
  mock = await createDigimeMock({ cloudBaseUrl }, { signingKey: await SigningKey.fromPem(testServerKeyPem()) });
  server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: 'error' });
});

afterAll(() => server?.close());

describe('createDigimeMock({cloudBaseUrl})', () => {
  it('serves the cloud under that base', async () => {
    expect(mock.cloudBaseUrl).toBe(cloudBaseUrl);
    const created = await fetch(`${mock.baseUrl}storage`, { method: 'POST', headers: { authorization: `Bearer ${await signRequest()}` } });
    const { id } = (await created.json()) as { id: string };
    const file = `${cloudBaseUrl}clouds/${id}/files/apps/demo-app/notes/today.txt`;
    const auth = async () => ({ authorization: `Bearer ${await signCloudToken()}` });
    const up = await fetch(file, { method: 'POST', headers: { ...(await auth()), 'content-type': 'application/octet-stream' }, body: 'hello' });
    expect(up.status).toBe(201);
    const down = await fetch(file, { headers: await auth() });
    expect(await down.text()).toBe('hello');
    const missing = await fetch(`${cloudBaseUrl}clouds/${id}/files/apps/demo-app/nothing.txt`, { headers: await auth() });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ statusCode: 404, error: 'NotFound', message: 'The file was not found' });
  });

  it('refuses a cloudBaseUrl that does not end in /', async () => {
    await expect(createDigimeMock({ cloudBaseUrl: 'https://files.example/storage' })).rejects.toThrow(/cloudBaseUrl/);
  });
});
