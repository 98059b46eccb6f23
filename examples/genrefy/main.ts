/**
 * `npm run example:genrefy`: starts a mock digi.me, then runs Genrefy four times against it —
 * first consent, restoration from the stored token, after the access token expired (refresh), and
 * after the refresh token expired (consent again) — and prints the chart.
 *
 * `--base-url <url>` runs once against a mock (or digi.me) that is already running instead.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMockServer } from '../../mock-server/index.js';
import { chart, genrefy } from './genrefy.js';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'onboard-url': { type: 'string' },
    'token-file': { type: 'string' },
    key: { type: 'string', default: 'fixtures/apps/demo-app.private.TEST-ONLY.pem' },
  },
});
const privateKey = readFileSync(values.key!, 'utf8');
const tokenFile = values['token-file'] ?? join(mkdtempSync(join(tmpdir(), 'genrefy-')), 'token.json');
const log = (line: string) => console.log(`  · ${line}`);

if (values['base-url']) {
  const baseUrl = values['base-url'];
  const onboardUrl = values['onboard-url'] ?? new URL('/apps/saas/', baseUrl).toString();
  const result = await genrefy({ baseUrl, onboardUrl, privateKey, tokenFile, log });
  console.log(`\nYour most-listened genres (${result.plays} plays):\n${chart(result.genres)}`);
} else {
  const mock = await startMockServer({ port: 0, logLevel: 'silent' });
  const clock = mock.authority.clock;
  // While the session syncs, move the mock's clock instead of waiting for it.
  const sleep = async (ms: number) => void clock.advance(Math.max(ms, 5000) / 1000);
  const run = (title: string) =>
    (console.log(`\n${title}`), genrefy({ baseUrl: mock.baseUrl, onboardUrl: mock.onboardUrl, privateKey, tokenFile, pollIntervalMs: 1, sleep, log }));
  try {
    const first = await run('1. First run: consent');
    await run('2. Second run: access restored from the stored token');
    clock.advance(mock.authority.config.ttl.accessToken + 1);
    await run('3. A day later: the access token has expired and is refreshed');
    clock.advance(mock.authority.config.ttl.refreshToken);
    const last = await run('4. A month later: the refresh token has expired, so consent runs again');
    console.log(`\nYour most-listened genres (${first.plays} plays in ${first.files} files):\n${chart(last.genres)}`);
    console.log(`\nToken kept in ${tokenFile}`);
  } finally {
    await mock.close();
  }
}
