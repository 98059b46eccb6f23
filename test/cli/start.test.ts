/**
 * `npm start`: serves the current sources, rebuilding the command's bundle only when something it
 * is built from is newer, and runs the server in the launcher's own process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLI_INPUTS, cliBundleStale } from '../../scripts/bundle.mjs';
import { exited, root, startCommand, stopAll } from '../support/cli.js';

afterEach(stopAll);

const scratch = mkdtempSync(join(tmpdir(), 'start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('which sources make the bundle stale', () => {
  const T0 = new Date('2030-01-01T00:00:00Z');
  const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

  /** A package folder whose every file and folder was last changed at T0. */
  function tree(): string {
    const dir = mkdtempSync(join(scratch, 'tree-'));
    const files = [
      'mock-server/cli.ts',
      'mock-server/core/clock.ts',
      'mock-server/core/clock.test.ts',
      'scripts/bundle.mjs',
      'scripts/cli-loader.cjs',
      'scripts/thread-pool.cjs',
      'package.json',
      'tsconfig.json',
      'node_modules/.package-lock.json',
      'README.md',
    ];
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), '');
    }
    for (const path of [...files, 'mock-server/core', 'mock-server', 'scripts', 'node_modules']) utimesSync(join(dir, path), T0, T0);
    return dir;
  }
  const built = (dir: string, at: Date, files = ['dist/digime-mock.cjs', 'dist/digime-mock-server.cjs']) => {
    mkdirSync(join(dir, 'dist'), { recursive: true });
    for (const file of files) {
      writeFileSync(join(dir, file), '');
      utimesSync(join(dir, file), at, at);
    }
  };
  const touch = (dir: string, path: string, at: Date) => utimesSync(join(dir, path), at, at);

  it('is stale when there is no bundle', () => {
    expect(cliBundleStale(tree())).toBe(true);
  });

  it('is stale when the command has only one of its two files', () => {
    const dir = tree();
    built(dir, later(10), ['dist/digime-mock.cjs']);
    expect(cliBundleStale(dir)).toBe(true);
  });

  it('is fresh when the bundle is newer than every input', () => {
    const dir = tree();
    built(dir, later(10));
    expect(cliBundleStale(dir)).toBe(false);
  });

  it.each([
    ['a server source', 'mock-server/core/clock.ts'],
    ['a folder of sources (a file added or removed)', 'mock-server/core'],
    ['the build settings', 'scripts/bundle.mjs'],
    ["the command's loader", 'scripts/cli-loader.cjs'],
    ["the command's thread pool", 'scripts/thread-pool.cjs'],
    ['the installed dependencies', 'node_modules/.package-lock.json'],
    ['package.json', 'package.json'],
  ])('is stale when %s is newer than the bundle', (_what, path) => {
    const dir = tree();
    built(dir, later(10));
    touch(dir, path, later(20));
    expect(cliBundleStale(dir)).toBe(true);
  });

  it('ignores tests and files the bundle is not built from', () => {
    const dir = tree();
    built(dir, later(10));
    touch(dir, 'mock-server/core/clock.test.ts', later(20));
    touch(dir, 'README.md', later(20));
    expect(cliBundleStale(dir)).toBe(false);
  });

  it('watches what the build reads', () => {
    expect(CLI_INPUTS).toEqual(expect.arrayContaining(['mock-server', 'package.json', 'node_modules/.package-lock.json']));
  });
});

describe("the command's code cache", () => {
  it('is kept for the next start in a folder only its user can write to, and a bad one is ignored', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const env = { TMPDIR: tmp };
    const args = ['--port', '0', '--key-file', join(scratch, 'cache-key.pem')];
    const first = await startCommand(args, env, ['scripts/start.cjs']);
    const folder = join(tmp, `digime-mock-code-cache-${process.getuid!()}`);
    expect(existsSync(folder)).toBe(false);
    // Written as the first run ends (once it serves, it has its signal handlers).
    expect((await fetch(`${first.url}/__admin/health`)).status).toBe(200);
    first.proc.kill('SIGTERM');
    expect(await exited(first.proc)).toBe(0);
    const caches = readdirSync(folder).filter((f) => f.endsWith('.bin'));
    expect(caches).toHaveLength(1);
    const cache = join(folder, caches[0]!);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(cache).size).toBeGreaterThan(100_000);
    const written = statSync(cache).mtimeMs;

    const second = await startCommand(args, env, ['scripts/start.cjs']);
    expect((await fetch(`${second.url}/__admin/health`)).status).toBe(200);
    second.proc.kill('SIGTERM');
    await exited(second.proc);
    // V8 took it: the second run had nothing to write.
    expect(statSync(cache).mtimeMs).toBe(written);

    writeFileSync(cache, 'not compiled code');
    const third = await startCommand(args, env, ['scripts/start.cjs']);
    expect((await fetch(`${third.url}/__admin/health`)).status).toBe(200);
    third.proc.kill('SIGTERM');
    expect(await exited(third.proc)).toBe(0);
    // Refused by V8 and written anew.
    expect(statSync(cache).size).toBeGreaterThan(100_000);
  });
});

describe('npm start', () => {
  it('rebuilds an out-of-date bundle, then serves from it in its own process, which a signal stops', async () => {
    const bundle = join(root, 'dist/digime-mock.cjs');
    // As if the sources had changed since the last build: an old bundle, or none.
    try {
      utimesSync(bundle, new Date(0), new Date(0));
    } catch {
      // no bundle yet: the launcher builds it all the same
    }
    const { url, output, proc } = await startCommand(['--port', '0', '--key-file', join(scratch, 'key.pem')], {}, ['scripts/start.cjs']);
    expect(output()).toContain('rebuilding the command in dist/');
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(0);
    expect((await fetch(`${url}/__admin/health`)).status).toBe(200);
    // The process started is the server: a SIGTERM to it stops the server, with nothing left behind.
    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
    await expect(fetch(`${url}/__admin/health`)).rejects.toThrow();
  }, 120_000);

  it('`npm start` reaches a healthy /__admin/health', async () => {
    const child = spawn('npm', ['start', '--silent', '--', '--port', '0', '--key-file', join(scratch, 'key.pem')], {
      cwd: root,
      env: { ...process.env, DIGIME_MOCK_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const done = exited(child);
    let output = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d) => {
          output += d;
          const m = /listening on (https?:\/\/\S+)/.exec(output);
          if (m) resolve(m[1]!);
        });
        child.stderr!.on('data', (d) => (output += d));
        void done.then((code) => reject(new Error(`npm start exited ${code}: ${output}`)));
      });
      expect((await fetch(`${url}/__admin/health`)).status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await done;
    }
  }, 120_000);
});
