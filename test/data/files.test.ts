/**
 * Encrypted file downloads (docs/protocol.md §5): the layout, decryption with the app's private key for
 * each compression, the headers, HEAD, and the errors for files a session does not have.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, type Harness } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { decodeMetadata, decryptFile, download, fileList, head, readFile, trigger, type FileListEntry } from '../support/data.js';

const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7).replace('-', '');

describe('file downloads', () => {
  let h: Harness;
  let accessToken: string;
  let sessionKey: string;
  let files: FileListEntry[];

  beforeAll(async () => {
    h = await createHarness({ sync: { pendingSeconds: 0, runningSeconds: 0 } });
    accessToken = (await authorizeAndExchange(h)).payload.access_token.value;
    sessionKey = (await trigger(h, accessToken)).body.session.key;
    files = (await fileList(h, accessToken, sessionKey)).fileList;
  });

  it('uses all three encodings across the demo files', async () => {
    const seen = new Set<string>();
    for (const f of files) seen.add((await head(h, accessToken, sessionKey, f.name)).headers['x-metadata'] as string);
    const compressions = new Set([...seen].map((m) => decodeMetadata(m).compression ?? 'none'));
    expect([...compressions].sort()).toEqual(['brotli', 'gzip', 'none']);
  });

  for (const compression of ['none', 'gzip', 'brotli'] as const) {
    it(`decrypts with the app's private key: ${compression}`, async () => {
      let found = false;
      for (const f of files.filter((x) => x.name.includes('_406_'))) {
        const { header, objects, res } = await readFile(h, accessToken, sessionKey, f.name);
        if ((header.compression ?? 'none') !== compression) continue;
        found = true;
        expect(res.headers['content-type']).toBe('application/octet-stream');
        const body = res.body as Buffer;
        // 256-byte wrapped key, 16-byte IV, whole AES blocks.
        expect(body.length).toBeGreaterThanOrEqual(288);
        expect(body.length % 16).toBe(0);
        expect(header.metadata).toEqual({
          objectCount: f.objectCount,
          objectType: 'playhistory',
          serviceGroup: 'music',
          serviceName: 'spotify',
          schema: { standard: 'digime', version: '1.0.0' },
          objectVersion: '1.0.0',
        });
        expect(objects).toHaveLength(f.objectCount);
        const month = /_D(\d{6})_/.exec(f.name)![1];
        for (const o of objects) {
          expect(monthOf(o.createddate as number)).toBe(month);
          const track = o.track as { name: string; artists: { name: string; genres: string[] }[] };
          expect(track.name).toBeTruthy();
          expect(track.artists[0]!.genres.length).toBeGreaterThan(0);
        }
        break;
      }
      expect(found).toBe(true);
    });
  }

  it('sends last-modified: the time the file was synced', async () => {
    const f = files[0]!;
    const res = await download(h, accessToken, sessionKey, f.name);
    expect(res.headers['last-modified']).toBe(new Date(f.updatedDate).toUTCString());
  });

  it('encrypts every download afresh, to the same content', async () => {
    const name = files[0]!.name;
    const a = await download(h, accessToken, sessionKey, name);
    const b = await download(h, accessToken, sessionKey, name);
    expect(Buffer.compare(a.body as Buffer, b.body as Buffer)).not.toBe(0);
    const meta = decodeMetadata(a.headers['x-metadata']);
    expect(decryptFile(a.body as Buffer, meta.compression)).toEqual(decryptFile(b.body as Buffer, meta.compression));
  });

  it('answers HEAD with the metadata alone', async () => {
    const f = files[3]!;
    const res = await head(h, accessToken, sessionKey, f.name);
    expect(res.status).toBe(200);
    expect(res.body ?? {}).toEqual({});
    expect(decodeMetadata(res.headers['x-metadata']).metadata.objectCount).toBe(f.objectCount);
    expect(res.headers['last-modified']).toBe(new Date(f.updatedDate).toUTCString());
  });

  it('answers 404 NotFound for a file the session does not have', async () => {
    for (const name of ['18_5_19_1_406_D203001_1.json', 'nothing.json', '..%2F..%2Fuser.json']) {
      const res = await download(h, accessToken, sessionKey, name);
      expect(res.status).toBe(404);
      expect(JSON.parse((res.body as Buffer).toString('utf8')).error.code).toBe('NotFound');
      expect((await head(h, accessToken, sessionKey, name)).status).toBe(404);
    }
    const unknownSession = await download(h, accessToken, 'no-such-session', files[0]!.name);
    expect(unknownSession.status).toBe(404);
  });

  it('answers 401 InvalidToken for a bad access token on a download', async () => {
    const res = await download(h, 'not-a-token', sessionKey, files[0]!.name);
    expect(res.status).toBe(401);
    expect(JSON.parse((res.body as Buffer).toString('utf8')).error.code).toBe('InvalidToken');
  });

  it('serves a file only once the sync has reached it', async () => {
    const slow = await createHarness();
    slow.authority.clock.freeze(true);
    const token = (await authorizeAndExchange(slow)).payload.access_token.value;
    const key = (await trigger(slow, token)).body.session.key;
    expect((await download(slow, token, key, files[0]!.name)).status).toBe(404);
    slow.authority.clock.advance(2 + 10);
    const listed = (await fileList(slow, token, key)).fileList;
    const missing = files.find((f) => !listed.some((l) => l.name === f.name))!;
    expect((await download(slow, token, key, listed[0]!.name)).status).toBe(200);
    expect((await download(slow, token, key, missing.name)).status).toBe(404);
  });

  it("encrypts to the requesting app's own registered key", async () => {
    const other = newRsaKeyPair();
    h.authority.registerApp({ appId: 'genrefy', contractId: 'music', publicKey: other.publicKeyPem });
    const sign = { key: other.privateKey, clientId: 'genrefy_music' };
    const token = (await authorizeAndExchange(h, { sign })).payload.access_token.value;
    const key = (await trigger(h, token, {}, sign)).body.session.key;
    const name = (await fileList(h, token, key, sign)).fileList[0]!.name;
    const res = await download(h, token, key, name, sign);
    expect(res.status).toBe(200);
    const meta = decodeMetadata(res.headers['x-metadata']);
    expect(() => decryptFile(res.body as Buffer, meta.compression)).toThrow(); // not the demo app's key
    const objects = JSON.parse(decryptFile(res.body as Buffer, meta.compression, other.privateKey).toString('utf8'));
    expect(objects).toHaveLength(meta.metadata.objectCount);
  });

  it('lets an app build a "most listened genres" chart from a year of play history', async () => {
    const genres = new Map<string, number>();
    for (const f of files.filter((x) => x.name.includes('_406_'))) {
      const { objects } = await readFile(h, accessToken, sessionKey, f.name);
      for (const o of objects) {
        for (const artist of (o.track as { artists: { genres: string[] }[] }).artists) {
          for (const g of artist.genres) genres.set(g, (genres.get(g) ?? 0) + 1);
        }
      }
    }
    const chart = [...genres].sort((a, b) => b[1] - a[1]);
    expect(chart.length).toBeGreaterThanOrEqual(20);
    expect(chart[0]![0]).toBe('indie rock');
    // A clear shape: the top genre well ahead of the tenth.
    expect(chart[0]![1]).toBeGreaterThan(2 * chart[9]![1]);
  });
});
