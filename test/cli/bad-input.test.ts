/** Bad input stops the command with one clear line naming what is wrong, and exit code 1: never a silent start or a stack trace. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCommand, stopAll, type StartFailure } from '../support/cli.js';

afterEach(stopAll);

async function refusal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const failure = (await startCommand(args, env).then(
    () => {
      throw new Error(`started with ${args.join(' ')}`);
    },
    (e: unknown) => e,
  )) as StartFailure;
  expect(failure.code).toBe(1);
  const lines = failure.output.trim().split('\n');
  expect(lines, failure.output).toHaveLength(1);
  expect(lines[0]).toMatch(/^digime-mock: /);
  expect(lines[0]).not.toMatch(/\s+at .+:\d+:\d+|error:0|ERR_OSSL|node:internal/);
  return lines[0]!;
}

const scratch = () => mkdtempSync(join(tmpdir(), 'bad-input-'));

describe('the command refuses bad input', { timeout: 120_000 }, () => {
  it('a fixtures folder that does not exist', async () => {
    const dir = scratch();
    const missing = join(dir, 'no-such-fixtures');
    expect(await refusal(['--port', '0', '--data-dir', dir, '--fixtures', missing])).toContain(`fixturesDir: ${missing} does not exist`);
  });

  it('a fixtures "folder" that is a file', async () => {
    const dir = scratch();
    const file = join(dir, 'fixtures.json');
    writeFileSync(file, '{}');
    expect(await refusal(['--port', '0', '--data-dir', dir, '--fixtures', file])).toContain(`fixturesDir: ${file} is not a folder`);
  });

  it('a key file that is empty, garbage, another kind of key, or a folder', async () => {
    const dir = scratch();
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, '');
    expect(await refusal(['--port', '0', '--key-file', empty])).toBe(`digime-mock: keyFile: ${empty} is empty`);

    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key at all\n');
    expect(await refusal(['--port', '0', '--key-file', garbage])).toBe(`digime-mock: keyFile: ${garbage} holds no PEM private key`);

    const broken = join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect(await refusal(['--port', '0', '--key-file', broken])).toBe(
      `digime-mock: keyFile: ${broken} holds a PEM private key that cannot be read`,
    );

    const ec = join(dir, 'ec.pem');
    writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(await refusal(['--port', '0', '--key-file', ec])).toBe(`digime-mock: keyFile: ${ec} holds a key that is not RSA`);

    const short = join(dir, 'short.pem');
    writeFileSync(short, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(await refusal(['--port', '0', '--key-file', short])).toBe(
      `digime-mock: keyFile: ${short} holds an RSA key of 1024 bits; it needs at least 2048`,
    );

    const folder = join(dir, 'key-folder');
    mkdirSync(folder);
    expect(await refusal(['--port', '0'], { DIGIME_MOCK_KEY_FILE: folder })).toBe(`digime-mock: keyFile: ${folder} is a folder, not a PEM file`);
  });

  it('a data folder that cannot be written', async () => {
    const dir = scratch();
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const line = await refusal(['--port', '0', '--data-dir', join(file, 'data')]);
    expect(line).toContain(`dataDir: ${join(file, 'data')} cannot be written`);
  });

  it('an unknown key in a config file, and a bad value, each named', async () => {
    const dir = scratch();
    const config = join(dir, 'mock.json');
    writeFileSync(config, JSON.stringify({ port: 0, keyFile: 'k.pem', consnet: 'accept' }));
    expect(await refusal(['--config', config])).toContain('consnet');
    expect(await refusal(['--port', '0', '--data-dir', dir, '--refresh-policy', 'sometimes'])).toContain('refreshPolicy');
  });
});
