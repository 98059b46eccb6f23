/**
 * `npm run bench`: the mock's command under load, on this machine, read against baselines measured
 * in the same run: L1 (one thread's PS512 signing rate), the RSA operations a flow needs (each kind
 * timed alone), a bare Node `http` server, and oauth2-mock-server's token endpoint. It prints a table
 * and writes it to bench/results.md (and .json).
 *
 * - Refresh grant at 50 connections, three runs; each request carries its own request JWT, all of
 *   them signed before the timed window (on worker threads). CPU use during each run is read from
 *   /proc: the server's (its main thread apart), the load generator's (this process) and the rest
 *   of the machine's (other work on a shared machine).
 * - One connection: sequential refreshes, timed one by one.
 * - Memory: resident memory idle (against a bare Node server started alike), after the load, and
 *   with 10,000 consents stored.
 * - Scale: the refresh with 10, 1,000 and 10,000 consents stored (each request refreshing another
 *   consent's token), and the whole Ongoing Access flow through the SDK, one and 100 at once,
 *   in-process over msw and over HTTP.
 * - Start: the command to listening, and `npm start` to a 200 on /__admin/health against a bare
 *   server started the same way (both through npm).
 *
 * Environment: BENCH_DURATION (s, 10), BENCH_CONNECTIONS (50), BENCH_RUNS (3), BENCH_START_RUNS (9),
 * BENCH_FLOWS (sequential flows timed, 9), BENCH_CONCURRENT_FLOWS (100), BENCH_SCALE (10,1000,10000).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countRequests, countRsa, fetchRoundTripMs, flowTimes, httpTarget, mswRoundTripMs, mswTarget, parseMs, runFlows, type FlowOutcome, type RsaCounts } from './bench/flow.js';
import { oauth2TokenLoad, oneConnectionMedian, refreshLoad, type LoadRun } from './bench/load.js';
import { cores, load1, machine, median, range, rssMb, sleep } from './bench/measure.js';
import { root, signRequestJwts } from './bench/request-jwts.js';
import { allCoresSignRate, rsaUnitCosts, singleThreadSignRate, twoSignaturesAtOnceMs, type RsaKind } from './bench/rsa.js';
import { bareServerPackage, makeConsents, startBare, startMock, startOauth2MockServer, stop, type Server } from './bench/servers.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DURATION = env('BENCH_DURATION', 10);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
const RUNS = env('BENCH_RUNS', 3);
const START_RUNS = env('BENCH_START_RUNS', 9);
const FLOWS = env('BENCH_FLOWS', 9);
const CONCURRENT_FLOWS = env('BENCH_CONCURRENT_FLOWS', 100);
const SCALE = (process.env.BENCH_SCALE ?? '10,1000,10000').split(',').map(Number);

const log = (line: string) => console.log(line);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

// ---------- start times ----------

/** How long Node itself takes to run a script's first line here (ms since the process's time origin). */
function bareNodeStartMs(): Promise<number> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['-e', 'process.stdout.write(String(performance.now()))']);
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', () => resolve(Number(out)));
  });
}

/** Milliseconds from spawning `npm start` in `cwd` to the first 200 from /__admin/health. */
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
  const starts: number[] = [];
  const bareStarts: number[] = [];
  for (let i = 0; i < 5; i++) bareStarts.push(await bareNodeStartMs());
  for (let i = 0; i < 5; i++) {
    const s = await startMock(keyFile);
    starts.push(s.startMs ?? NaN);
    await stop(s);
  }
  const bareDir = bareServerPackage();
  const mockArgs = ['--port', '0', '--key-file', keyFile, '--log-level', 'silent', '--no-persist'];
  // One unmeasured start of each, then the two alternately.
  await npmStartToHealthy(root, mockArgs);
  await npmStartToHealthy(bareDir, []);
  const npmMock: number[] = [];
  const npmBare: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    npmMock.push(await npmStartToHealthy(root, mockArgs));
    npmBare.push(await npmStartToHealthy(bareDir, []));
  }
  return { starts, bareStarts, npmMock, npmBare };
}

// ---------- memory at rest ----------

/** Resident memory 2 s after a server's first answer, with nothing else asked of it. */
async function idleRss(server: Server): Promise<number> {
  const res = await fetch(`${server.url}/__admin/health`);
  await res.arrayBuffer();
  await sleep(2000);
  return rssMb(server.proc.pid!);
}

async function idleMemory(keyFile: string) {
  const mock: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await startMock(keyFile);
    mock.push(await idleRss(m));
    await stop(m);
    const b = await startBare();
    bare.push(await idleRss(b));
    await stop(b);
  }
  return { mock, bare };
}

// ---------- the refresh grant under load ----------

const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Enough request JWTs for `seconds` of a server that signs as fast as both cores can (2 signatures a refresh). */
const jwtsFor = (signRate: number, seconds: number) => Math.ceil(signRate * seconds * (cores() / 2) * 1.15);

async function refreshRuns(server: Server, refreshTokens: string[], signRate: number, duration: number, runs: number) {
  const claims = refreshTokens.map((t) => ({ grant_type: 'refresh_token', refresh_token: t }));
  const out: LoadRun[] = [];
  for (let r = 0; r < runs; r++) {
    const jwts = await signRequestJwts(jwtsFor(signRate, duration), claims);
    const run = await refreshLoad(server.url, jwts, CONNECTIONS, duration, server.proc.pid);
    log(
      `  run ${r + 1}: ${run.rps.toFixed(0)} refresh/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}${run.exhausted ? ' (JWT pool exhausted)' : ''}; ` +
        `CPU: server ${f2(run.serverCores)} (main thread ${f2(run.serverMainCores)}), load generator ${f2(run.loaderCores)}, other processes ${f2(run.otherCores)} cores`,
    );
    out.push(run);
  }
  return out;
}

async function oneConnection(server: Server, refreshTokens: string[], rounds = 3): Promise<number> {
  const claims = refreshTokens.map((t) => ({ grant_type: 'refresh_token', refresh_token: t }));
  const medians: number[] = [];
  for (let r = 0; r < rounds; r++) medians.push(await oneConnectionMedian(server.url, await signRequestJwts(1050, claims)));
  return median(medians);
}

/** The same sequential requests (same JWTs) to the bare Node server: what HTTP on one connection costs here, with no work behind it. */
async function bareRoundTrip(rounds = 3): Promise<number> {
  const bare = await startBare();
  const jwts = await signRequestJwts(1050, { grant_type: 'refresh_token', refresh_token: 'x'.repeat(600) });
  const medians: number[] = [];
  for (let r = 0; r < rounds; r++) medians.push(await oneConnectionMedian(bare.url, jwts, 50, '/__admin/health', 200));
  await stop(bare);
  return median(medians);
}

const summary = (runs: LoadRun[]) => ({
  rps: runs.map((r) => r.rps),
  p50: runs.map((r) => r.p50),
  p99: runs.map((r) => r.p99),
  errors: runs.reduce((a, r) => a + r.errors, 0),
  exhausted: runs.some((r) => r.exhausted),
  serverCores: runs.map((r) => r.serverCores),
  serverMainCores: runs.map((r) => r.serverMainCores),
  loaderCores: runs.map((r) => r.loaderCores),
  otherCores: runs.map((r) => r.otherCores),
});

// ---------- main ----------

async function main() {
  const description = machine();
  const load1Start = load1();
  log(`machine: ${description}; load average ${f1(load1Start)}`);
  const signRates: number[] = [];
  const allCoresRates: number[] = [];
  const twoSignatures: number[] = [];
  // The signing baselines, at the start, in the middle and at the end of the run.
  const measureL1 = async () => {
    const rate = singleThreadSignRate();
    signRates.push(rate);
    allCoresRates.push(await allCoresSignRate(cores()));
    twoSignatures.push(await twoSignaturesAtOnceMs());
    log(
      `baseline L1: ${rate.toFixed(0)} PS512 signatures/s on one thread; L2: ${allCoresRates.at(-1)!.toFixed(0)} with all ${cores()} cores signing; ` +
        `two signatures started together: ${twoSignatures.at(-1)!.toFixed(3)} ms`,
    );
  };
  await measureL1();
  const unit = rsaUnitCosts();
  log(`RSA alone (ms): sign ${unit.sign.toFixed(3)}, verify ${unit.verify.toFixed(3)}, OAEP encrypt ${unit.encrypt.toFixed(3)}, OAEP decrypt ${unit.decrypt.toFixed(3)}`);

  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'key.pem');
  await stop(await startMock(keyFile)); // creates the key file (and the code cache)

  log(`start times: the command to listening, and npm start to a healthy server against a bare server, ${START_RUNS} each …`);
  const start = await startTimes(keyFile);
  const startRatio = median(start.npmMock) / median(start.npmBare);
  log(`  ${range(start.npmMock)} ms against ${range(start.npmBare)} ms: ${f2(startRatio)} ×`);

  log('idle memory, against a bare Node http server …');
  const idle = await idleMemory(keyFile);
  log(`  ${range(idle.mock)} MB against ${range(idle.bare)} MB`);

  log(`refresh grant, ${CONNECTIONS} connections × ${DURATION} s, ${RUNS} runs …`);
  const server = await startMock(keyFile);
  const [refreshToken] = await makeConsents(server.url, 1);
  await refreshRuns(server, [refreshToken!], signRates[0]!, 2, 1); // warm-up, not counted
  const main = summary(await refreshRuns(server, [refreshToken!], signRates[0]!, DURATION, RUNS));
  const rssAfterLoad = rssMb(server.proc.pid!);
  log(`  RSS after the load: ${f1(rssAfterLoad)} MB`);
  const single = await oneConnection(server, [refreshToken!]);
  await stop(server);
  const roundTrip = await bareRoundTrip();
  log(`  one connection: median ${single.toFixed(3)} ms; the same requests to a bare Node server: ${roundTrip.toFixed(3)} ms`);
  await measureL1();

  log(`oauth2-mock-server's token endpoint (refresh grant), ${CONNECTIONS} connections × ${DURATION} s, ${RUNS} runs …`);
  const o2 = await startOauth2MockServer();
  await oauth2TokenLoad(o2.url, CONNECTIONS, 2, o2.proc.pid);
  const o2runs: LoadRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = await oauth2TokenLoad(o2.url, CONNECTIONS, DURATION, o2.proc.pid);
    log(`  run ${r + 1}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}; server ${f2(run.serverCores)} cores, other processes ${f2(run.otherCores)}`);
    o2runs.push(run);
  }
  const oauth2 = summary(o2runs);
  await stop(o2);

  log(`scale: consents stored ${SCALE.join(', ')} …`);
  const scale: { consents: number; rssStored: number; rssAfter: number; seedMs: number; single: number; load: ReturnType<typeof summary> }[] = [];
  for (const n of SCALE) {
    const s = await startMock(keyFile);
    const t0 = performance.now();
    const tokens = await makeConsents(s.url, n);
    const seedMs = performance.now() - t0;
    const rssStored = rssMb(s.proc.pid!);
    log(`  ${n} consents made in ${(seedMs / 1000).toFixed(1)} s; RSS ${f1(rssStored)} MB`);
    await refreshRuns(s, tokens, signRates[0]!, 2, 1);
    const load = summary(await refreshRuns(s, tokens, signRates[0]!, Math.max(2, DURATION / 2), RUNS));
    const oneConn = await oneConnection(s, tokens);
    const rssAfter = rssMb(s.proc.pid!);
    log(`  one connection ${oneConn.toFixed(3)} ms; RSS after ${f1(rssAfter)} MB`);
    scale.push({ consents: n, rssStored, rssAfter, seedMs, single: oneConn, load });
    await stop(s);
  }

  log('the Ongoing Access flow through the SDK …');
  const msw = await mswTarget();
  const counts: RsaCounts = await countRsa(() => runFlows(msw, 1));
  const rsaWorkMs = (Object.keys(counts) as RsaKind[]).reduce((a, k) => a + counts[k] * unit[k], 0);
  log(`  RSA per flow: ${counts.sign} sign, ${counts.verify} verify, ${counts.encrypt} OAEP encrypt, ${counts.decrypt} OAEP decrypt = ${f1(rsaWorkMs)} ms alone`);
  let sample: FlowOutcome | undefined;
  const requests = await countRequests(async () => void (sample = (await runFlows(msw, 1)).outcome));
  const parseFilesMs = parseMs(sample!.fileBytes);
  log(`  ${requests} requests per flow; parsing its ${sample!.files} files alone: ${f1(parseFilesMs)} ms`);
  const mswOne = await flowTimes(msw, FLOWS);
  const mswMany = await runFlows(msw, CONCURRENT_FLOWS);
  await msw.close();
  const mswFloorMs = await mswRoundTripMs();
  log(`  in-process (msw): ${f1(mswOne.ms)} ms a flow (${mswOne.files} files); ${CONCURRENT_FLOWS} at once: ${f1(mswMany.ms)} ms, ${f1(mswMany.ms / CONCURRENT_FLOWS)} ms a flow`);
  const bareForFloor = await startBare();
  const fetchFloorMs = await fetchRoundTripMs(`${bareForFloor.url}/__admin/health`);
  await stop(bareForFloor);
  log(`  one request with no work behind it: ${mswFloorMs.toFixed(3)} ms through msw, ${fetchFloorMs.toFixed(3)} ms by fetch to a bare Node server`);
  const httpServer = await startMock(keyFile);
  const http = httpTarget(httpServer.url);
  const httpOne = await flowTimes(http, FLOWS);
  const httpMany = await runFlows(http, CONCURRENT_FLOWS);
  await stop(httpServer);
  log(`  over HTTP: ${f1(httpOne.ms)} ms a flow; ${CONCURRENT_FLOWS} at once: ${f1(httpMany.ms)} ms, ${f1(httpMany.ms / CONCURRENT_FLOWS)} ms a flow`);
  await measureL1();

  // ---------- the table ----------

  const L1 = median(signRates);
  const L2 = median(allCoresRates);
  const twoSignaturesMs = median(twoSignatures);
  const sigMs = 1000 / L1;
  const rps = median(main.rps);
  const p50 = median(main.p50);
  const p99 = median(main.p99);
  const idleMock = median(idle.mock);
  const idleBare = median(idle.bare);
  const base = scale[0];
  const largest = scale.at(-1);
  const rows: [string, string, string, string][] = [
    ['refresh throughput, 50 connections', `${range(main.rps)} req/s`, `${f2(rps / L1)} × L1`, '≥ 0.75 ×'],
    ['PS512 signatures by the server under that load', `${range(main.rps.map((r) => r * 2))} sig/s`, `${f2((2 * rps) / L1)} × L1`, '≥ 1.5 ×'],
    ['refresh p50 / p99 latency', `${range(main.p50)} / ${range(main.p99)} ms`, `p99 ${f2(p99 / p50)} × p50`, '≤ 2 ×'],
    ['refresh errors (non-2xx)', `${main.errors}${main.exhausted ? ' (JWT pool exhausted)' : ''}`, '', '0'],
    [
      'CPU during the load (cores)',
      `server ${range(main.serverCores, 2)} (main thread ${range(main.serverMainCores, 2)}), load generator ${range(main.loaderCores, 2)}, other processes ${range(main.otherCores, 2)}`,
      `of ${cores()}`,
      '',
    ],
    ['one connection, median', `${single.toFixed(3)} ms`, `${f2(single / sigMs)} × one signature (${sigMs.toFixed(3)} ms)`, '≤ 1.5 ×'],
    ['baseline: the same requests on one connection to a bare Node http server', `${roundTrip.toFixed(3)} ms`, `${f2(roundTrip / sigMs)} × one signature`, ''],
    ['RSS idle (2 s after its first answer)', `${range(idle.mock, 1)} MB`, `${f2(idleMock / idleBare)} × bare Node http server`, '≤ 1.5 ×'],
    ['baseline: bare Node http server, RSS idle', `${range(idle.bare, 1)} MB`, '1.00 ×', ''],
    ['RSS after the load', `${f1(rssAfterLoad)} MB`, '', '≤ 150 MB'],
  ];
  if (largest) {
    rows.push([
      `RSS with ${largest.consents.toLocaleString('en')} consents (tokens and a session each), after their load`,
      `${f1(largest.rssAfter)} MB (${f1(largest.rssStored)} MB before it)`,
      '',
      '≤ 200 MB',
    ]);
  }
  for (const s of scale) {
    const ratio = base ? median(s.load.rps) / median(base.load.rps) : 1;
    rows.push([
      `refresh with ${s.consents.toLocaleString('en')} consents stored: throughput; p99; one connection`,
      `${range(s.load.rps)} req/s; ${range(s.load.p99)} ms; ${s.single.toFixed(3)} ms`,
      s === base ? '1.00 ×' : `${f2(ratio)} × throughput, ${f2(s.single / base!.single)} × one-connection time with ${base!.consents}`,
      s === base ? '' : 'flat',
    ]);
  }
  const rsaLine = `${counts.sign} sign, ${counts.verify} verify, ${counts.encrypt} OAEP encrypt, ${counts.decrypt} OAEP decrypt`;
  rows.push(
    ['RSA work of one Ongoing Access flow, each kind timed alone', `${f1(rsaWorkMs)} ms`, rsaLine, ''],
    [
      'requests of one Ongoing Access flow; parsing its files alone',
      `${requests} requests; ${f1(parseFilesMs)} ms (${sample!.files} files, ${(sample!.fileBytes.reduce((a, b) => a + b.length, 0) / 1e6).toFixed(2)} MB of JSON)`,
      `parsing ${f2(parseFilesMs / rsaWorkMs)} × the RSA work`,
      '',
    ],
    [
      'baseline: one request through msw to a handler that does nothing',
      `${mswFloorMs.toFixed(3)} ms`,
      `× ${requests} requests = ${f1(mswFloorMs * requests)} ms, ${f2((mswFloorMs * requests) / rsaWorkMs)} × the RSA work`,
      '',
    ],
    [
      'baseline: one fetch to a bare Node http server',
      `${fetchFloorMs.toFixed(3)} ms`,
      `× ${requests} requests = ${f1(fetchFloorMs * requests)} ms, ${f2((fetchFloorMs * requests) / rsaWorkMs)} × the RSA work`,
      '',
    ],
    ['Ongoing Access flow in-process (msw), one at a time', `${f1(mswOne.ms)} ms (${range(mswOne.runs)})`, `${f2(mswOne.ms / rsaWorkMs)} × its RSA work`, '≤ 1.5 ×'],
    ['Ongoing Access flow over HTTP, one at a time', `${f1(httpOne.ms)} ms (${range(httpOne.runs)})`, `${f2(httpOne.ms / rsaWorkMs)} × its RSA work`, '≤ 2 ×'],
    [
      `${CONCURRENT_FLOWS} flows at once, in-process (msw)`,
      `${f1(mswMany.ms)} ms: ${f1(mswMany.ms / CONCURRENT_FLOWS)} ms a flow`,
      `${f2(mswMany.ms / CONCURRENT_FLOWS / mswOne.ms)} × one flow's time`,
      'flat',
    ],
    [
      `${CONCURRENT_FLOWS} flows at once, over HTTP`,
      `${f1(httpMany.ms)} ms: ${f1(httpMany.ms / CONCURRENT_FLOWS)} ms a flow`,
      `${f2(httpMany.ms / CONCURRENT_FLOWS / httpOne.ms)} × one flow's time`,
      'flat',
    ],
    [
      "comparison: oauth2-mock-server's token endpoint (refresh grant; 2 PS512 signatures a request, no request JWT to verify)",
      `${range(oauth2.rps)} req/s, p99 ${range(oauth2.p99)} ms, errors ${oauth2.errors}`,
      `${f2(median(oauth2.rps) / L1)} × L1; ours ${f2(rps / median(oauth2.rps))} × its throughput`,
      '',
    ],
    ['start to listening (existing key)', `${range(start.starts)} ms`, `${f1(median(start.starts) / median(start.bareStarts))} × bare Node start`, ''],
    ['baseline: bare Node start (to its first line)', `${range(start.bareStarts)} ms`, '1.0 ×', ''],
    ['`npm start` to 200 on /__admin/health', `${range(start.npmMock)} ms`, `${f2(startRatio)} × bare server via npm start`, '≤ 2 ×'],
    ['baseline: bare Node http server, `npm start` to 200 on /__admin/health', `${range(start.npmBare)} ms`, '1.00 ×', ''],
    ['baseline L1: single-thread PS512 signing (RSA-2048)', `${range(signRates)} sig/s`, '1.00 ×', ''],
    ['baseline L2: PS512 signing with all cores, on the thread pool, nothing else running', `${range(allCoresRates)} sig/s`, `${f2(L2 / L1)} × L1`, ''],
    ['baseline: two PS512 signatures started together, on the thread pool', `${range(twoSignatures, 3)} ms`, `${f2(twoSignaturesMs / sigMs)} × one signature`, ''],
    [
      'baseline: RSA operations alone, one thread',
      `sign ${unit.sign.toFixed(3)}, verify ${unit.verify.toFixed(3)}, OAEP encrypt ${unit.encrypt.toFixed(3)}, OAEP decrypt ${unit.decrypt.toFixed(3)} ms`,
      '',
      '',
    ],
  );
  const load1End = load1();
  const busy = median(main.otherCores);
  const perRefreshMs = (cores: number[]) => (median(cores) * 1000) / rps;
  const notes = [
    'How to read it:',
    '',
    `- **Throughput.** A refresh needs two PS512 signatures. With all ${cores()} cores signing and nothing else running, this machine makes L2 = ${f2(L2 / L1)} × L1 signatures/s, so no server can refresh faster than ${f2(L2 / 2 / L1)} × L1 here even with no HTTP, no request-JWT verification and no load generator; ${L2 > 1.5 * L1 ? `0.75 × L1 would leave ${(100 * (1 - (1.5 * L1) / L2)).toFixed(0)} % of the machine for all of those` : '0.75 × L1 is beyond that'}. In this run the server spent ${perRefreshMs(main.serverCores).toFixed(2)} ms of CPU a refresh (${perRefreshMs(main.serverMainCores).toFixed(2)} ms of it on its main thread: HTTP, verification, bookkeeping; the rest signing, ${(2 * sigMs).toFixed(2)} ms alone), the load generator ${perRefreshMs(main.loaderCores).toFixed(2)} ms, and other processes used ${f2(busy)} of the ${cores()} cores.`,
    `- **One connection.** A family refreshed back to back has its next answer signed ahead, so the answer waits for no signature; HTTP itself, with no work behind it, takes ${roundTrip.toFixed(3)} ms a request on one connection here (${f2(roundTrip / sigMs)} × a signature). Back to back, though, every refresh still costs two signatures (its answer and the next access token), and two signatures started together take ${twoSignaturesMs.toFixed(3)} ms on this machine (${f2(twoSignaturesMs / sigMs)} × one) with nothing else running: a floor for a back-to-back refresh before any HTTP.`,
    '- **Consents stored.** Finding a token, a consent or a nonce is a lookup by key, whatever the store holds; what grows with the store is memory, and the periodic sweep of expired records, which looks at every record but runs less often as the store grows (once per eighth of its size in additions). One connection is the exception, by design: with 10 consents each family comes back within milliseconds, so its answers are signed ahead; with 1,000 and 10,000 a family comes back after a second or more, so each answer is signed when asked for. Other differences between the sizes within a run are the machine\'s noise, not the store.',
    `- **Flows at once.** ${CONCURRENT_FLOWS} flows in step share one mock and ${cores()} cores: the work of each is the same, so the whole takes about ${CONCURRENT_FLOWS} times one flow's work and each flow waits for the others; what can stay flat is the time per flow (the whole divided by ${CONCURRENT_FLOWS}), not a flow's own latency.`,
    `- **A flow's cost against its RSA work.** Besides RSA, a flow sends ${requests} requests, each through fetch (and msw, in-process), and decrypts, decompresses and parses every file of the user (${mswOne.files} files). msw alone, with nothing behind its handler, costs ${f1(mswFloorMs * requests)} ms for those requests (${f2((mswFloorMs * requests) / rsaWorkMs)} × the RSA work) and parsing the files alone ${f1(parseFilesMs)} ms, all on the one thread that also runs the app's code and the mock.`,
    '',
  ];
  const date = new Date().toISOString().slice(0, 10);
  const table = [
    `Benchmark of ${date} — ${description}; load average ${f1(load1Start)} at the start, ${f1(load1End)} at the end.`,
    `Refresh grant: ${CONNECTIONS} connections × ${DURATION} s, ${RUNS} runs (median, min–max); each request with its own request JWT, all signed before the timed window. Each refresh costs two PS512 signatures (the token response, and the family's next access token, signed ahead; a family refreshed again soon has its next answer signed ahead too, when that refresh would fall within the same second).`,
    `L1 is one thread's PS512 signing rate, measured ${signRates.length} times in this run (start, middle, end), as are L2 and two signatures at once. "Other processes" is the CPU the rest of the machine used during a run (a shared machine).`,
    `Scale: each request refreshes the next stored consent's token in turn; ${RUNS} runs of ${Math.max(2, DURATION / 2)} s at each size. Flows: the median of ${FLOWS} one after another, then ${CONCURRENT_FLOWS} at once in step (one mock clock serves them all).`,
    '',
    '| measure | result | ratio | target |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...notes,
  ].join('\n');
  log('\n' + table);
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench/results.md'), table);
  writeFileSync(
    join(root, 'bench/results.json'),
    JSON.stringify(
      { date, machine: description, load1: [load1Start, load1End], signRates, allCoresRates, twoSignatures, unit, main, rssAfterLoad, single, roundTrip, idle, start, oauth2, scale, flow: { counts, requests, parseFilesMs, mswFloorMs, fetchFloorMs, rsaWorkMs, mswOne, mswMany: mswMany.ms, httpOne, httpMany: httpMany.ms, concurrent: CONCURRENT_FLOWS } },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
