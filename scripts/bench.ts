/**
 * `npm run bench`: the refresh grant under load against the built server, with the machine's own
 * PS512 signing rate measured in the same run as the baseline. Prints a table and writes it to
 * bench/results.md (and .json).
 *
 * It also times the README's start command, `npm start`, to a 200 on /__admin/health, against a
 * bare Node http server started the same way (through `npm start`, so npm's own cost is on both
 * sides), alternating the two.
 *
 * Each refresh request carries its own freshly signed request JWT (unique nonce, current
 * timestamp). They are signed before each load run by worker threads, so the load generator does
 * not compete with the server for the CPU while it measures.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, createHash, randomBytes, sign, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem, type, release, arch } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const START_RUNS = Number(process.env.BENCH_START_RUNS ?? 9);
const demoKeyPem = readFileSync(join(root, 'fixtures/apps/demo-app.private.TEST-ONLY.pem'), 'utf8');
const CLIENT_ID = 'demo-app_demo-ongoing';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const range = (xs: number[], digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

// ---------- request JWTs, signed like a digi.me client does (docs/protocol.md §2) ----------

const SIGNER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { constants, createPrivateKey, randomBytes, sign } = require('node:crypto');
const key = createPrivateKey(workerData.pem);
const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const header = b64({ alg: 'PS512', typ: 'JWT' });
parentPort.on('message', ({ count, claims }) => {
  const out = [];
  for (let i = 0; i < count; i++) {
    const nonce = Array.from(randomBytes(32), (b) => AN[b % 62]).join('');
    const input = header + '.' + b64({ client_id: workerData.clientId, nonce, timestamp: Date.now(), ...claims });
    const sig = sign('sha512', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
    out.push(input + '.' + sig.toString('base64url'));
  }
  parentPort.postMessage(out);
});`;

async function signMany(count: number, claims: object): Promise<string[]> {
  const n = Math.max(1, cpus().length);
  const workers = Array.from({ length: n }, () => new Worker(SIGNER_SOURCE, { eval: true, workerData: { pem: demoKeyPem, clientId: CLIENT_ID } }));
  const parts = await Promise.all(
    workers.map(
      (w, i) =>
        new Promise<string[]>((resolve) => {
          w.once('message', resolve);
          w.postMessage({ count: Math.ceil(count / n) + (i === 0 ? 0 : 0), claims });
        }),
    ),
  );
  await Promise.all(workers.map((w) => w.terminate()));
  return parts.flat().slice(0, count);
}

// ---------- baseline: PS512 signing on this machine ----------

function singleThreadSignRate(seconds = 3): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = randomBytes(700); // about a token response's signing input
  const opts = { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 };
  for (let i = 0; i < 50; i++) sign('sha512', data, opts);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    sign('sha512', data, opts);
    n++;
  }
  return n / seconds;
}

// ---------- the server under test ----------

interface Server {
  proc: ChildProcess;
  url: string;
  startMs: number;
}

function startServer(keyFile: string): Promise<Server> {
  // --no-persist: each run starts empty, and measures serving, not writing the state file.
  const proc = spawn(process.execPath, [join(root, 'dist/digime-mock.mjs'), '--port', '0', '--key-file', keyFile, '--log-level', 'silent', '--no-persist'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+) \(started in (\d+) ms\)/.exec(out);
      // The server's own figure: from its process's time origin to listening.
      if (m) resolve({ proc, url: m[1]!, startMs: Number(m[2]) });
    });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

const stop = (s: Server) =>
  new Promise<void>((resolve) => {
    s.proc.once('exit', () => resolve());
    s.proc.kill('SIGTERM');
  });

/** How long Node itself takes to start running a script's first line here (ms since the process's time origin). */
function bareNodeStartMs(): Promise<number> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['-e', 'process.stdout.write(String(performance.now()))']);
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', () => resolve(Number(out)));
  });
}

// ---------- npm start, against a bare Node server started the same way ----------

const BARE_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  res.writeHead(req.url === '/__admin/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A folder whose `npm start` runs the bare server. */
function bareServerPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bare-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bare-server', private: true, type: 'module', scripts: { start: 'node server.mjs' } }));
  writeFileSync(join(dir, 'server.mjs'), BARE_SERVER);
  return dir;
}

/**
 * Milliseconds from spawning `npm start` in `cwd` to the first 200 from /__admin/health (asked
 * for as soon as the server prints where it listens). npm runs in its own process group, which is
 * stopped afterwards.
 */
async function npmStartToHealthy(cwd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const proc = spawn('npm', ['start', '--silent', '--', ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`npm start in ${cwd} exited ${code}`)));
    });
    const res = await fetch(`${url}/__admin/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}/__admin/health answered ${res.status}`);
    return performance.now() - t0;
  } finally {
    const exited = once(proc, 'exit');
    process.kill(-proc.pid!, 'SIGTERM');
    await exited;
  }
}

async function startTimes(keyFile: string) {
  const bareDir = bareServerPackage();
  const mockArgs = ['--port', '0', '--key-file', keyFile, '--log-level', 'silent'];
  // One unmeasured start of each, then the two alternately.
  await npmStartToHealthy(root, mockArgs);
  await npmStartToHealthy(bareDir, []);
  const mock: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    mock.push(await npmStartToHealthy(root, mockArgs));
    bare.push(await npmStartToHealthy(bareDir, []));
  }
  return { mock, bare };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const b64url = (b: Buffer) => b.toString('base64url');

async function obtainRefreshToken(url: string): Promise<string> {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const [authJwt] = await signMany(1, { code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: 'http://localhost/cb', response_mode: 'query', response_type: 'code', state: 'bench' });
  const auth = (await (await fetch(`${url}/v1.7/oauth/authorize`, { method: 'POST', headers: { authorization: `Bearer ${authJwt}`, 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
  const code = JSON.parse(Buffer.from(auth.token.split('.')[1]!, 'base64url').toString()).preauthorization_code;
  const consent = await fetch(`${url}/apps/saas/authorize?code=${code}&autoConsent=accept`, { redirect: 'manual' });
  const authCode = new URL(consent.headers.get('location')!).searchParams.get('code');
  const [tokenJwt] = await signMany(1, { code: authCode, code_verifier: verifier, grant_type: 'authorization_code' });
  const tok = (await (await fetch(`${url}/v1.7/oauth/token`, { method: 'POST', headers: { authorization: `Bearer ${tokenJwt}` } })).json()) as { token: string };
  return JSON.parse(Buffer.from(tok.token.split('.')[1]!, 'base64url').toString()).refresh_token.value;
}

async function load(url: string, jwts: string[], connections: number, duration: number) {
  let i = 0;
  let exhausted = false;
  const result = await autocannon({
    url: `${url}/v1.7/oauth/token`,
    method: 'POST',
    connections,
    duration,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const jwt = jwts[i++];
          if (jwt === undefined) exhausted = true;
          return { ...req, headers: { ...req.headers, authorization: `Bearer ${jwt ?? jwts[0]}` } };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return { rps: ok / duration, p99: result.latency.p99, errors: result.non2xx + result.errors, exhausted };
}

/** Sequential requests on one kept-alive connection, timed one by one. */
async function oneConnectionMedian(url: string, jwts: string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const times: number[] = [];
  for (const jwt of jwts) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = request({ agent, hostname, port, path: '/v1.7/oauth/token', method: 'POST', headers: { authorization: `Bearer ${jwt}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
    times.push(performance.now() - t0);
  }
  agent.destroy();
  return median(times.slice(50));
}

async function main() {
  const machine = `${cpus()[0]?.model.trim()} × ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${type()} ${release()} ${arch()}, Node ${process.version}`;
  console.log(`machine: ${machine}`);
  console.log('baseline: single-thread PS512 signing (crypto.sign, RSA-2048) …');
  const signRate = singleThreadSignRate();
  console.log(`  ${signRate.toFixed(0)} signatures/s`);

  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'key.pem');
  await stop(await startServer(keyFile)); // creates the key file
  const starts: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) bare.push(await bareNodeStartMs());
  for (let i = 0; i < 5; i++) {
    const s = await startServer(keyFile);
    starts.push(s.startMs);
    await stop(s);
  }

  console.log(`npm start to a healthy /__admin/health, against a bare Node server, ${START_RUNS} runs each …`);
  const npmStart = await startTimes(keyFile);
  const startRatio = median(npmStart.mock) / median(npmStart.bare);
  console.log(`  ${range(npmStart.mock)} ms against ${range(npmStart.bare)} ms: ${startRatio.toFixed(2)} ×`);

  const server = await startServer(keyFile);
  const refreshToken = await obtainRefreshToken(server.url);
  const claims = { grant_type: 'refresh_token', refresh_token: refreshToken };
  // Enough JWTs for a server twice as fast as one thread can sign.
  const perRun = Math.ceil(signRate * 2 * DURATION);

  const warm = await signMany(2000, claims);
  await load(server.url, warm, CONNECTIONS, 2);

  const runs: { rps: number; p99: number; errors: number; exhausted: boolean }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const jwts = await signMany(perRun, claims);
    const res = await load(server.url, jwts, CONNECTIONS, DURATION);
    console.log(`  run ${r + 1}: ${res.rps.toFixed(0)} refresh/s, p99 ${res.p99} ms, errors ${res.errors}${res.exhausted ? ' (JWT pool exhausted)' : ''}`);
    runs.push(res);
  }
  const rss = rssMb(server.proc.pid!);
  const single = await oneConnectionMedian(server.url, await signMany(1050, claims));
  await stop(server);

  const rps = runs.map((r) => r.rps);
  const ratio = median(rps) / signRate;
  const rows: [string, string, string, string][] = [
    ['refresh throughput, 50 connections', `${range(rps)} req/s`, `${ratio.toFixed(2)} × signing rate`, '≥ 1.0 ×'],
    ['PS512 signatures by the server under that load', `${range(rps.map((r) => r * 2))} sig/s`, `${((median(rps) * 2) / signRate).toFixed(2)} × signing rate`, ''],
    ['refresh p99 latency', `${range(runs.map((r) => r.p99))} ms`, '', '≤ 30 ms'],
    ['refresh errors (non-2xx)', `${runs.reduce((a, r) => a + r.errors, 0)}`, '', '0'],
    ['one connection, median', `${single.toFixed(2)} ms`, '', '≤ 1 ms'],
    ['start to listening (existing key)', `${range(starts)} ms`, `${(median(starts) / median(bare)).toFixed(1)} × bare Node start`, '≤ 200 ms'],
    ['baseline: bare Node start (to its first line)', `${range(bare)} ms`, '1.0 ×', ''],
    ['`npm start` to 200 on /__admin/health', `${range(npmStart.mock)} ms`, `${startRatio.toFixed(2)} × bare server via npm start`, '≤ 2 ×'],
    ['baseline: bare Node http server, `npm start` to 200 on /__admin/health', `${range(npmStart.bare)} ms`, '1.0 ×', ''],
    ['RSS after the load', `${rss.toFixed(0)} MB`, '', '≤ 150 MB'],
    ['baseline: single-thread PS512 signing', `${signRate.toFixed(0)} sig/s`, '1.00 ×', ''],
  ];
  const date = new Date().toISOString().slice(0, 10);
  const table = [
    `Benchmark of ${date} — ${machine}`,
    `Refresh grant, ${CONNECTIONS} connections × ${DURATION} s, ${RUNS} runs (median, min–max); each request with its own signed request JWT.`,
    `Each refresh costs two PS512 signatures: the token response on the request's path, and the family's next access token, signed ahead.`,
    `Start times count from the process's time origin, as Node reports it (performance.now()), to listening; \`npm start\` times from spawning npm to the first 200 on /__admin/health, ${START_RUNS} starts each, alternating with the bare server.`,
    '',
    '| measure | result | ratio | target |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
  console.log('\n' + table);
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench/results.md'), table);
  writeFileSync(join(root, 'bench/results.json'), JSON.stringify({ date, machine, signRate, runs, ratio, single, starts, bare, npmStart, startRatio, rss }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
