/**
 * Sessions and files belong to the consent that created them (docs/protocol.md §8): another app's or
 * user's token never reads them, and gets the same 404 an unknown session gets. Deleting the user
 * takes their consents, tokens and sessions with it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, refresh, type Harness } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { signRequest, type SignOptions } from '../support/request-jwt.js';
import { bearer } from '../support/harness.js';
import { accounts, download, fileList, head, queryFileList, trigger } from '../support/data.js';

const errorOf = (res: { body: unknown; headers: Record<string, string> }) => {
  const body = Buffer.isBuffer(res.body) ? JSON.parse(res.body.toString('utf8')) : res.body;
  return body.error as { code: string; message: string };
};

describe('isolation', () => {
  let h: Harness;
  let demoToken: string;
  let demoSession: string;
  let demoFile: string;

  beforeEach(async () => {
    h = await createHarness({ sync: { pendingSeconds: 0, runningSeconds: 0 } });
    demoToken = (await authorizeAndExchange(h)).payload.access_token.value;
    demoSession = (await trigger(h, demoToken)).body.session.key;
    demoFile = (await fileList(h, demoToken, demoSession)).fileList[0]!.name;
  });

  const expectNotFound = async (token: string, sign?: SignOptions) => {
    const unknown = errorOf(await queryFileList(h, token, 'no-such-session', sign));
    const list = await queryFileList(h, token, demoSession, sign);
    expect(list.status).toBe(404);
    expect(errorOf(list)).toMatchObject({ code: 'NotFound', message: unknown.message });
    const file = await download(h, token, demoSession, demoFile, sign);
    expect(file.status).toBe(404);
    expect(errorOf(file).code).toBe('NotFound');
    expect((file.body as Buffer).length).toBeLessThan(256);
    expect(file.headers['x-metadata']).toBeUndefined();
    expect((await head(h, token, demoSession, demoFile, sign)).status).toBe(404);
  };

  it("keeps another user's token of the same app out", async () => {
    const alexToken = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    await expectNotFound(alexToken);
    // Alex's own sessions hold Alex's data only.
    const own = await fileList(h, alexToken, (await trigger(h, alexToken)).body.session.key);
    expect(Object.keys(own.status.details!)).toEqual(['5_19_alex-spotify', '1_4_alex-instagram']);
  });

  it("keeps another app's token of the same user out", async () => {
    const other = newRsaKeyPair();
    h.authority.registerApp({ appId: 'other', contractId: 'c1', publicKey: other.publicKeyPem });
    const sign = { key: other.privateKey, clientId: 'other_c1' };
    const otherToken = (await authorizeAndExchange(h, { sign })).payload.access_token.value;
    await expectNotFound(otherToken, sign);
  });

  it("does not accept the demo app's token when another app signs the request", async () => {
    const other = newRsaKeyPair();
    h.authority.registerApp({ appId: 'other', contractId: 'c1', publicKey: other.publicKeyPem });
    const res = await queryFileList(h, demoToken, demoSession, { key: other.privateKey, clientId: 'other_c1' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('InvalidToken');
  });

  it('keeps a new consent of the same user and app out of an older consent’s session', async () => {
    const second = (await authorizeAndExchange(h)).payload.access_token.value;
    await expectNotFound(second);
  });
});

describe('delete user', () => {
  it('answers 204, and the user’s tokens and sessions are gone', async () => {
    const h = await createHarness({ sync: { pendingSeconds: 0, runningSeconds: 0 } });
    const { payload } = await authorizeAndExchange(h);
    const token = payload.access_token.value;
    const key = (await trigger(h, token)).body.session.key;
    const alex = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const alexSession = (await trigger(h, alex)).body.session.key;

    const res = await h.http.delete('/v1.7/user').set(bearer(await signRequest({ access_token: token })));
    expect(res.status).toBe(204);
    expect(h.authority.hasSession(key)).toBe(false);

    for (const call of [
      await queryFileList(h, token, key),
      await accounts(h, token),
      await trigger(h, token),
      await h.http.delete('/v1.7/user').set(bearer(await signRequest({ access_token: token }))),
    ]) {
      expect(call.status).toBe(401);
      expect(call.body.error).toMatchObject({ code: 'InvalidToken', message: 'The token (access_token) is invalid' });
    }
    const again = await refresh(h, payload.refresh_token.value);
    expect(again.status).toBe(401);
    expect(again.body.error).toMatchObject({ code: 'InvalidToken', message: 'The token (refresh_token) is invalid' });

    // Another user of the app is untouched.
    expect((await fileList(h, alex, alexSession)).status.state).not.toBe('pending');
    expect((await accounts(h, alex)).status).toBe(200);
  });
});
