/**
 * The HTTP transport (mock-server/http/listener.ts) as a client meets it on the wire: bodies sent
 * compressed or in chunks, the body limits, and answers framed by their length.
 */
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, REDIRECT_URI, type Harness } from '../support/harness.js';
import { pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;
let server: Server;
let port: number;

beforeAll(async () => {
  h = await createHarness();
  server = createServer(h.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One raw request: the body written as the given chunks (chunked transfer unless a length is set). */
function send(method: string, path: string, headers: Record<string, string>, chunks: Buffer[] = []): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const authorizeJwt = () =>
  signRequest({
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    redirect_uri: REDIRECT_URI,
    response_mode: 'query',
    response_type: 'code',
    state: 'transport',
  });

const body = Buffer.from(JSON.stringify({ agent: { sdk: { name: 'test', version: '1', meta: {} } } }));
const errorCode = (a: Answer) => (JSON.parse(a.body.toString()) as { error: { code: string } }).error.code;

describe('the HTTP transport', () => {
  it('reads a body sent gzip, deflate or br encoded, as Express did', async () => {
    for (const [encoding, encoded] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['br', brotliCompressSync(body)],
    ] as const) {
      const res = await send('POST', '/v1.7/oauth/authorize', {
        authorization: `Bearer ${await authorizeJwt()}`,
        'content-type': 'application/json',
        'content-encoding': encoding,
        'content-length': String(encoded.length),
      }, [encoded]);
      expect({ encoding, status: res.status }).toEqual({ encoding, status: 201 });
    }
  });

  it('refuses a body in an encoding it cannot read, in digi.me\'s shape', async () => {
    const res = await send('POST', '/v1.7/oauth/authorize', {
      authorization: `Bearer ${await authorizeJwt()}`,
      'content-type': 'application/json',
      'content-encoding': 'compress',
      'content-length': String(body.length),
    }, [body]);
    expect({ status: res.status, code: errorCode(res) }).toEqual({ status: 400, code: 'ValidationErrors' });
  });

  it('reads a body sent in chunks without a length', async () => {
    const res = await send('POST', '/v1.7/oauth/authorize', {
      authorization: `Bearer ${await authorizeJwt()}`,
      'content-type': 'application/json',
    }, [body.subarray(0, 10), body.subarray(10)]);
    expect(res.status).toBe(201);
  });

  it('takes files of more than 1 MB as application/octet-stream, and refuses such JSON with 413', async () => {
    const big = Buffer.alloc(1_500_000, 0x20);
    const json = await send('POST', '/v1.7/oauth/authorize', { 'content-type': 'application/json' }, [big]);
    expect({ status: json.status, code: errorCode(json) }).toEqual({ status: 413, code: 'PayloadTooLarge' });
    // Chunked, so the limit is met while reading, not from a declared length.
    const gzipped = gzipSync(big);
    const inflated = await send('POST', '/v1.7/oauth/authorize', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, [gzipped]);
    expect({ status: inflated.status, code: errorCode(inflated) }).toEqual({ status: 413, code: 'PayloadTooLarge' });
    const file = await send('POST', '/cloud/v1/clouds/none/files/apps/demo-app/big.bin', { 'content-type': 'application/octet-stream' }, [big]);
    expect(file.status).not.toBe(413);
    expect(file.status).toBeLessThan(500);
  });

  it('frames every answer by its length, a HEAD answer and one without a body too', async () => {
    const jwks = await send('GET', '/v1.7/jwks/oauth', {});
    expect(jwks.headers['content-length']).toBe(String(jwks.body.length));
    expect(jwks.headers['transfer-encoding']).toBeUndefined();
    const head = await send('HEAD', '/v1.7/jwks/oauth', {});
    expect({ status: head.status, length: head.headers['content-length'], body: head.body.length }).toEqual({
      status: 200,
      length: String(jwks.body.length),
      body: 0,
    });
    const cleared = await send('DELETE', '/__admin/requests', {});
    expect({ status: cleared.status, chunked: cleared.headers['transfer-encoding'] }).toEqual({ status: 204, chunked: undefined });
  });
});
