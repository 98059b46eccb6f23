/** The command a newcomer runs: it starts, says where it listens, and keeps its key across restarts. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../mock-server/core/index.js';
import { root, startCommand, stopAll } from '../support/cli.js';

afterEach(stopAll);

const start = async (...args: Parameters<typeof startCommand>) => {
  const started = await startCommand(...args);
  return { ...started, output: started.output() };
};

describe('digime-mock command', () => {
  it('npm start: the built bundle starts and serves', async () => {
    // The launcher brings the bundle up to date with the sources (and prints the help).
    const build = spawnSync(process.execPath, ['scripts/start.cjs', '--help'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const { url, output } = await start(['--port', '0', '--key-file', join(dir, 'key.pem')], {}, ['dist/digime-mock.cjs']);
    expect(output).toMatch(/started in \d+ ms/);
    const jwks = (await (await fetch(`${url}/v1.7/jwks/oauth`)).json()) as { keys: { pem: string }[] };
    expect(jwks.keys[0]!.pem).toContain('PUBLIC KEY');
  }, 60_000);

  it.runIf(process.platform === 'linux')('signs on one thread-pool thread a core, two at least, unless UV_THREADPOOL_SIZE says otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const threads = async (poolSize: string) => {
      const { url, proc } = await startCommand(['--port', '0', '--key-file', join(dir, 'key.pem'), '--no-persist'], { UV_THREADPOOL_SIZE: poolSize }, ['dist/digime-mock.cjs']);
      expect((await fetch(`${url}/__admin/health`)).status).toBe(200);
      const count = readdirSync(`/proc/${proc.pid}/task`).length;
      proc.kill('SIGTERM');
      return count;
    };
    // The same command with a pool of one thread has the rest of its threads alike.
    expect((await threads('')) - (await threads('1'))).toBe(Math.max(2, availableParallelism()) - 1);
    expect((await threads('5')) - (await threads('1'))).toBe(4);
  }, 60_000);

  it('starts with embedded defaults on the given port and prints how to use it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const { url, output } = await start(['--port', '0', '--key-file', join(dir, 'key.pem')]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain('demo-app / demo-ongoing');
    expect(output).toContain(`${url}/v1.7/`);
    expect(output).toContain(`${url}/apps/saas/`);
    expect((await fetch(`${url}/__admin/health`)).status).toBe(200);
    expect(statSync(join(dir, 'key.pem')).mode & 0o077).toBe(0);
  });

  it('keeps the signing key (and kid) across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const key = join(dir, 'key.pem');
    const first = await start(['--port', '0', '--key-file', key]);
    const jwks1 = await (await fetch(`${first.url}/v1.7/jwks/oauth`)).json();
    first.proc.kill('SIGTERM');
    const second = await start(['--port', '0'], { DIGIME_MOCK_KEY_FILE: key });
    const jwks2 = await (await fetch(`${second.url}/v1.7/jwks/oauth`)).json();
    expect(jwks2).toEqual(jwks1);
  });

  it('takes a config file, with flags winning over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'mock.json');
    writeFileSync(file, JSON.stringify({ port: 1, keyFile: 'k.pem', consent: 'accept', ttl: { accessToken: 42 } }));
    const { output } = await start(['--config', file, '--port', '0']);
    expect(output).toContain('consent mode:            accept');
    expect(output).toContain('access token ttl 42s');
    expect(statSync(join(dir, 'k.pem')).isFile()).toBe(true);
  });

  it('--help lists every declared flag, with its variable', () => {
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'mock-server/cli.ts', '--help'], { cwd: root, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    const declared = SETTINGS.filter((s) => s.flag);
    expect(declared.length).toBeGreaterThan(10);
    for (const s of declared) {
      expect(help.stdout, s.flag).toMatch(new RegExp(`^  ${s.flag}( <[^>]+>)?$`, 'm'));
      if (s.env) expect(help.stdout, s.env).toContain(`env ${s.env},`);
    }
    expect(help.stdout).toContain('--config <file.json>');
  });

  it('refuses an unknown key in a config file, naming it, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'mock.json');
    writeFileSync(file, JSON.stringify({ port: 0, keyFile: 'k.pem', ttl: { accesToken: 42 } }));
    const refused = start(['--config', file]);
    await expect(refused).rejects.toMatchObject({ code: 1, output: expect.stringContaining('ttl: Unrecognized key: "accesToken"') });
    const output = ((await refused.catch((e: unknown) => e)) as { output: string }).output;
    expect(output.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad configuration naming the field, and exits 1', async () => {
    await expect(start(['--port', '0', '--access-token-ttl=-5'])).rejects.toMatchObject({ code: 1, output: expect.stringContaining('ttl.accessToken') });
    await expect(start(['--consent', 'sometimes'])).rejects.toMatchObject({ code: 1, output: expect.stringContaining('consent') });
  });
});
