/**
 * Load on a token endpoint: autocannon at many connections for a throughput, and sequential
 * requests on one kept-alive connection for a latency.
 */
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { cpuWindow, median, type CpuShare } from './measure.js';

export interface LoadRun extends CpuShare {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** More requests were sent than JWTs were signed (the run would then count nonce refusals). */
  exhausted: boolean;
}

/** The refresh grant at `connections` connections for `duration` s, each request with the next of `jwts`. */
export async function refreshLoad(url: string, jwts: string[], connections: number, duration: number, serverPid?: number): Promise<LoadRun> {
  let i = 0;
  let exhausted = false;
  const cpu = cpuWindow(serverPid);
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
  return { rps: result['2xx'] / duration, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, exhausted, ...cpu() };
}

/** oauth2-mock-server's token endpoint, the refresh grant (the same request each time: it checks no request signature). */
export async function oauth2TokenLoad(url: string, connections: number, duration: number, serverPid?: number): Promise<LoadRun> {
  const cpu = cpuWindow(serverPid);
  const result = await autocannon({
    url: `${url}/token`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('bench:secret').toString('base64')}` },
    body: 'grant_type=refresh_token&refresh_token=bench',
  });
  return { rps: result['2xx'] / duration, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, exhausted: false, ...cpu() };
}

/**
 * Median time (ms) of sequential refreshes on one kept-alive connection; the first `warm` are not
 * counted. With `path` and `status`, the same requests to another server (the bare server's round
 * trip, the baseline).
 */
export async function oneConnectionMedian(url: string, jwts: string[], warm = 50, path = '/v1.7/oauth/token', status = 201): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const times: number[] = [];
  try {
    for (const jwt of jwts) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = request({ agent, hostname, port, path, method: 'POST', headers: { authorization: `Bearer ${jwt}` } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === status ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      });
      times.push(performance.now() - t0);
    }
  } finally {
    agent.destroy();
  }
  return median(times.slice(warm));
}
