/**
 * The servers the benchmark runs: the mock's command as users run it (dist/digime-mock.cjs), a
 * bare Node `http` server as the baseline, and oauth2-mock-server for comparison; and the consents
 * a run needs, made the way an app makes them (authorize, consent page, code exchange).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, signRequestJwts } from './request-jwts.js';

export interface Server {
  proc: ChildProcess;
  url: string;
  /** The server's own figure, from its process's time origin to listening (ms), when it prints one. */
  startMs?: number;
}

function waitForListening(proc: ChildProcess, what: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https?:\/\/\S+)(?: \(started in (\d+) ms\))?/.exec(out);
      if (m) resolve({ proc, url: m[1]!, ...(m[2] ? { startMs: Number(m[2]) } : {}) });
    });
    proc.once('exit', (code) => reject(new Error(`${what} exited ${code} before listening:\n${out}`)));
  });
}

/** The command, on a free port, logging nothing, keeping its state in memory (a run measures serving, not writing state). */
export function startMock(keyFile: string, extra: string[] = []): Promise<Server> {
  const proc = spawn(process.execPath, [join(root, 'dist/digime-mock.cjs'), '--port', '0', '--key-file', keyFile, '--log-level', 'silent', '--no-persist', ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return waitForListening(proc, 'digime-mock');
}

export const BARE_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  res.writeHead(req.url === '/__admin/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A folder whose `npm start` runs the bare server (`npm start` timings compare the two started alike). */
export function bareServerPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bare-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bare-server', private: true, type: 'module', scripts: { start: 'node server.mjs' } }));
  writeFileSync(join(dir, 'server.mjs'), BARE_SERVER);
  return dir;
}

/** The bare Node server, started directly. */
export function startBare(): Promise<Server> {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  return waitForListening(proc, 'the bare server');
}

/**
 * oauth2-mock-server (a devDependency) in its own process, signing with a PS512 key (RSA, 2048 bits):
 * its token endpoint answers the refresh grant with an access token and an ID token, both signed.
 */
export function startOauth2MockServer(): Promise<Server> {
  const entry = pathToFileURL(createRequire(join(root, 'package.json')).resolve('oauth2-mock-server')).href;
  const source = `
import { OAuth2Server } from ${JSON.stringify(entry)};
const server = new OAuth2Server();
await server.issuer.keys.generate('PS512'); // RSA, 2048 bits (jose's default)
await server.start(0, '127.0.0.1');
console.log('listening on ' + server.issuer.url);
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  return waitForListening(proc, 'oauth2-mock-server');
}

export function stop(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.proc.exitCode !== null) return resolve();
    s.proc.once('exit', () => resolve());
    s.proc.kill('SIGTERM');
  });
}

const b64url = (b: Buffer) => b.toString('base64url');
const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/**
 * `n` consents of the demo user, each with its tokens and a data session, made through the API as
 * an app makes them: authorize with a PKCE challenge, the consent page (accepted), the code
 * exchange. Their request JWTs are signed on worker threads, `batch` consents at a time, and sent
 * `concurrency` at a time. Returns each consent's refresh token.
 */
export async function makeConsents(url: string, n: number, { batch = 500, concurrency = 16 } = {}): Promise<string[]> {
  const refreshTokens: string[] = [];
  for (let done = 0; done < n; done += batch) {
    const size = Math.min(batch, n - done);
    const verifiers = Array.from({ length: size }, () => b64url(randomBytes(32)));
    const authorizeClaims = verifiers.map((v) => ({
      code_challenge: b64url(createHash('sha256').update(v).digest()),
      code_challenge_method: 'S256',
      redirect_uri: 'http://localhost/cb',
      response_mode: 'query',
      response_type: 'code',
      state: 'bench',
    }));
    const authorizeJwts = await signRequestJwts(size, authorizeClaims);
    const codes = await pool(size, concurrency, async (i) => {
      const auth = await fetch(`${url}/v1.7/oauth/authorize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${authorizeJwts[i]}`, 'content-type': 'application/json' },
        body: '{}',
      });
      if (auth.status !== 201) throw new Error(`authorize answered ${auth.status}: ${await auth.text()}`);
      const { preauthorization_code: code } = payloadOf(((await auth.json()) as { token: string }).token);
      const page = await fetch(`${url}/apps/saas/authorize?code=${code}&autoConsent=accept`, { redirect: 'manual' });
      const location = page.headers.get('location');
      await page.arrayBuffer();
      if (!location) throw new Error(`the consent page answered ${page.status}`);
      return new URL(location).searchParams.get('code')!;
    });
    const tokenJwts = await signRequestJwts(
      size,
      codes.map((code, i) => ({ code, code_verifier: verifiers[i], grant_type: 'authorization_code' })),
    );
    const tokens = await pool(size, concurrency, async (i) => {
      const res = await fetch(`${url}/v1.7/oauth/token`, { method: 'POST', headers: { authorization: `Bearer ${tokenJwts[i]}` } });
      if (res.status !== 201) throw new Error(`the code exchange answered ${res.status}: ${await res.text()}`);
      const { refresh_token } = payloadOf(((await res.json()) as { token: string }).token) as { refresh_token: { value: string } };
      return refresh_token.value;
    });
    refreshTokens.push(...tokens);
  }
  return refreshTokens;
}

/** Runs `task(0 … n-1)`, `concurrency` at a time; the results in order. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}
