/**
 * State that survives restarts: the command keeps its state in a file (beside its key, or where
 * --state-file says), written while it runs and on shutdown, restored at start; a damaged file is
 * moved aside and the mock starts empty.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exited, startCommand, stopAll } from '../support/cli.js';
import { signRequest } from '../support/request-jwt.js';

afterEach(stopAll);

const post = (url: string, body: object) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function tokens(url: string) {
  const res = await post(`${url}/__admin/pact/states`, { state: 'the user has a valid access token', action: 'setup' });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

const trigger = async (url: string, access: string) =>
  (
    await fetch(`${url}/v1.7/permission-access/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signRequest({ access_token: access })}`, 'content-type': 'application/json' },
      body: '{}',
    })
  ).status;

const refresh = async (url: string, refreshToken: string) =>
  (await fetch(`${url}/v1.7/oauth/token`, { method: 'POST', headers: { authorization: `Bearer ${await signRequest({ grant_type: 'refresh_token', refresh_token: refreshToken })}` } })).status;

/** Resolves once `check` holds, looking every 50 ms (the test timeout bounds the wait). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the state file', () => {
  it('round-trips through a restart: stored tokens, users and the clock survive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const first = await startCommand(['--port', '0', '--data-dir', dir]);
    expect(first.output()).toContain(`${join(dir, 'state.json')} (new`);
    const { accessToken, refreshToken } = await tokens(first.url);
    expect((await post(`${first.url}/__admin/users`, { id: 'persisted', template: 'alex' })).status).toBe(201);
    expect((await post(`${first.url}/__admin/clock`, { advance: 3600 })).status).toBe(200);
    first.proc.kill('SIGTERM');
    expect(await exited(first.proc)).toBe(0);
    const file = join(dir, 'state.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain(accessToken);

    const second = await startCommand(['--port', '0', '--data-dir', dir]);
    expect(second.output()).toContain(`${file} (restored`);
    expect(await trigger(second.url, accessToken)).toBe(202);
    expect(await refresh(second.url, refreshToken)).toBe(201);
    const users = (await (await fetch(`${second.url}/__admin/state`)).json()) as { store: { runtimeUsers: Record<string, unknown> } };
    expect(Object.keys(users.store.runtimeUsers)).toEqual(['persisted']);
    const clock = (await (await fetch(`${second.url}/__admin/clock`)).json()) as { offsetMs: number };
    expect(clock.offsetMs).toBeGreaterThanOrEqual(3_600_000);
    expect(clock.offsetMs).toBeLessThan(3_700_000);
  });

  it('is written while the mock runs, so even a killed mock keeps what it did a moment before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const file = join(dir, 'custom', 'saved.json');
    const first = await startCommand(['--port', '0', '--data-dir', dir], { DIGIME_MOCK_STATE_FILE: file });
    const { accessToken } = await tokens(first.url);
    await until(() => existsSync(file) && readFileSync(file, 'utf8').includes('"tokens":{"'));
    first.proc.kill('SIGKILL');
    await exited(first.proc);
    const second = await startCommand(['--port', '0', '--data-dir', dir, '--state-file', file]);
    expect(await trigger(second.url, accessToken)).toBe(202);
    expect(readdirSync(join(dir, 'custom')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('moves a damaged file aside with one warning, never deletes it, and starts empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const file = join(dir, 'state.json');
    const cases = ['{"format": "digime-mock-state", "vers', JSON.stringify({ format: 'digime-mock-state', version: 99, clock: {}, keys: [], store: {} })];
    for (const damaged of cases) {
      writeFileSync(file, damaged);
      const started = await startCommand(['--port', '0', '--data-dir', dir]);
      const warnings = started.output().split('\n').filter((line) => line.includes('warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('could not be restored');
      expect(started.output()).toContain(`${file} (new`);
      const aside = readdirSync(dir).filter((f) => f.startsWith('state.json.damaged-'));
      expect(aside.map((f) => readFileSync(join(dir, f), 'utf8'))).toContain(damaged);
      expect(warnings[0]).toContain(aside.find((f) => readFileSync(join(dir, f), 'utf8') === damaged));
      const state = (await (await fetch(`${started.url}/__admin/state`)).json()) as { store: { tokens: object } };
      expect(state.store.tokens).toEqual({});
      started.proc.kill('SIGTERM');
      await exited(started.proc);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('state.json.damaged-'))).toHaveLength(2);
  });

  it('--no-persist keeps the state in memory: nothing is written, nothing restored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const first = await startCommand(['--port', '0', '--data-dir', dir, '--no-persist']);
    expect(first.output()).toContain('state:                   in memory only');
    const { accessToken } = await tokens(first.url);
    first.proc.kill('SIGTERM');
    await exited(first.proc);
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    const second = await startCommand(['--port', '0', '--data-dir', dir]);
    expect(await trigger(second.url, accessToken)).toBe(401);
  });
});
