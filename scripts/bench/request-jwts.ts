/**
 * Request JWTs signed like a digi.me client signs them (docs/protocol.md §2): each with its own
 * nonce and the current time. The load's JWTs are all signed before its timed window, on worker
 * threads, so that the load generator does not compete with the server for the CPU while it
 * measures.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export const root = join(import.meta.dirname, '../..');
export const CLIENT_ID = 'demo-app_demo-ongoing';
export const demoKeyPem = readFileSync(join(root, 'fixtures/apps/demo-app.private.TEST-ONLY.pem'), 'utf8');

const SIGNER = `
const { parentPort, workerData } = require('node:worker_threads');
const { constants, createPrivateKey, randomBytes, sign } = require('node:crypto');
const key = createPrivateKey(workerData.pem);
const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const header = b64({ alg: 'PS512', typ: 'JWT' });
parentPort.on('message', ({ from, to, claims }) => {
  const out = [];
  for (let i = from; i < to; i++) {
    const nonce = Array.from(randomBytes(32), (b) => AN[b % 62]).join('');
    const input = header + '.' + b64({ client_id: workerData.clientId, nonce, timestamp: Date.now(), ...claims[i % claims.length] });
    const sig = sign('sha512', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
    out.push(input + '.' + sig.toString('base64url'));
  }
  parentPort.postMessage(out);
});`;

/**
 * `count` request JWTs; the i-th carries `claims[i % claims.length]` (one object: the same claims
 * for all). Signed on one worker per core.
 */
export async function signRequestJwts(count: number, claims: object | object[]): Promise<string[]> {
  const list = Array.isArray(claims) ? claims : [claims];
  const n = Math.max(1, Math.min(cpus().length, count));
  const workers = Array.from({ length: n }, () => new Worker(SIGNER, { eval: true, workerData: { pem: demoKeyPem, clientId: CLIENT_ID } }));
  try {
    const per = Math.ceil(count / n);
    const parts = await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<string[]>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.postMessage({ from: i * per, to: Math.min(count, (i + 1) * per), claims: list });
          }),
      ),
    );
    return parts.flat();
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
