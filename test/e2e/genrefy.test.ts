/** The Genrefy example against a running mock: consent, restoration, refresh, consent again. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chart, countGenres, genrefy } from '../../examples/genrefy/genrefy.js';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/server.js';
import { demoPrivateKeyPem, testServerKeyPem } from '../support/keys.js';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer(
    { port: 0, logLevel: 'silent', keyFile: join(mkdtempSync(join(tmpdir(), 'g-')), 'k.pem') },
    { signingKey: await SigningKey.fromPem(testServerKeyPem()) },
  );
});
afterAll(() => mock.close());

it('keeps working across an expired access token and an expired refresh token', async () => {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'genrefy-')), 'token.json');
  const clock = mock.authority.clock;
  const run = () =>
    genrefy({
      baseUrl: mock.baseUrl,
      onboardUrl: mock.onboardUrl,
      privateKey: demoPrivateKeyPem,
      tokenFile,
      pollIntervalMs: 1,
      sleep: async () => void clock.advance(5),
    });

  const first = await run();
  expect(first.consented).toBe(true);
  expect(first.state).toBe('completed');
  expect(first.files).toBe(12);
  expect(first.plays).toBeGreaterThan(1000);
  expect(first.genres[0]!.plays).toBeGreaterThan(first.genres[9]!.plays);
  const stored = JSON.parse(readFileSync(tokenFile, 'utf8'));

  const restored = await run();
  expect(restored.consented).toBe(false);
  expect(restored.genres).toEqual(first.genres);

  clock.advance(mock.authority.config.ttl.accessToken + 1);
  const refreshed = await run();
  expect(refreshed.consented).toBe(false);
  const afterRefresh = JSON.parse(readFileSync(tokenFile, 'utf8'));
  expect(afterRefresh.accessToken.value).not.toBe(stored.accessToken.value);
  expect(afterRefresh.refreshToken.value).toBe(stored.refreshToken.value);

  clock.advance(mock.authority.config.ttl.refreshToken);
  const again = await run();
  expect(again.consented).toBe(true);
  expect(JSON.parse(readFileSync(tokenFile, 'utf8')).refreshToken.value).not.toBe(stored.refreshToken.value);
  expect(again.genres).toEqual(first.genres);
});

it('counts each play once per genre and draws a chart', () => {
  const genres = countGenres([
    { track: { artists: [{ genres: ['rock', 'indie'] }, { genres: ['rock'] }] } },
    { track: { artists: [{ genres: ['jazz'] }] } },
    { track: { artists: [{ genres: ['rock'] }] } },
  ]);
  expect(genres).toEqual([
    { genre: 'rock', plays: 2 },
    { genre: 'indie', plays: 1 },
    { genre: 'jazz', plays: 1 },
  ]);
  expect(chart(genres).split('\n')[0]).toMatch(/^rock\s+█+ 2$/);
});
