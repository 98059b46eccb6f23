/**
 * Stopping: SIGTERM and SIGINT stop accepting connections, let a request in flight finish, say so
 * in one line and exit 0. Stopping the process the user started (`npm start` too) frees the port.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { exited, root, startCommand, stopAll } from '../support/cli.js';

afterEach(stopAll);

const portOf = (url: string) => Number(new URL(url).port);

/** Resolves true once a new connection to the port is refused (the server stopped accepting). */
async function refusedAt(port: number): Promise<true> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return true;
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A request in flight: its headers ask to continue, and once the server says `100 Continue` it is
 * handling the request and waits for the body, which is sent only by `finish()`.
 */
async function inFlight(port: number): Promise<{ finish: () => Promise<string> }> {
  const body = JSON.stringify({ advance: 1 });
  const socket: Socket = connect(port, '127.0.0.1');
  let answer = '';
  const continued = new Promise<void>((resolve) =>
    socket.on('data', (d) => {
      answer += d;
      if (answer.includes('100 Continue')) resolve();
    }),
  );
  socket.write(
    `POST /__admin/clock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await continued;
  return {
    finish: () =>
      new Promise((resolve) => {
        socket.once('close', () => resolve(answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '')));
        socket.write(body);
      }),
  };
}

describe('stopping the mock', { timeout: 120_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the request in flight is answered, then one line and exit 0`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'signals-'));
      const { url, proc, output } = await startCommand(['--port', '0', '--data-dir', dir]);
      const port = portOf(url);
      const request = await inFlight(port);
      proc.kill(signal);
      await refusedAt(port);
      const answer = await request.finish();
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      expect(await exited(proc)).toBe(0);
      expect(output().trim().split('\n').at(-1)).toBe(`digime-mock: stopped on ${signal}`);
    });
  }

  it('npm start: stopping the npm process frees the port (no orphan server)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signals-'));
    const npm = spawn('npm', ['start', '--silent', '--', '--port', '0', '--data-dir', dir, '--log-level', 'silent'], { cwd: root });
    let output = '';
    onTestFailed(() => console.error(`npm start printed:\n${output}`));
    const url = await new Promise<string>((resolve, reject) => {
      npm.stdout.on('data', (d) => {
        output += d;
        const m = /listening on (https?:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      });
      npm.stderr.on('data', (d) => (output += d));
      npm.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${output}`)));
    });
    try {
      npm.kill('SIGTERM');
      await refusedAt(portOf(url));
      await exited(npm);
    } finally {
      // Whatever happened, nothing this test started outlives it.
      if (npm.pid !== undefined) spawn('pkill', ['-KILL', '-f', `data-dir ${dir}`]);
    }
  });
});
