import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createDigimeClient, DIGIME_BASE_URL } from '../src/index.js';
import type { DigimeClientOptions } from '../src/index.js';
import { resolveConfig } from '../src/config.js';
import { testKeyPair } from './helpers/keys.js';

const app = testKeyPair('config-app');
const valid: DigimeClientOptions = {
  appId: 'app',
  contractId: 'contract',
  privateKey: app.privatePem,
  baseUrl: 'http://127.0.0.1:3000/v1.7',
  onboardUrl: 'http://127.0.0.1:3000/apps/saas/',
  redirectUri: 'https://app.example/callback',
};

function issuesFor(options: unknown): { path: string; message: string }[] {
  try {
    createDigimeClient(options as DigimeClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).code).toBe('InvalidConfiguration');
    return [...(error as ConfigurationError).issues];
  }
  throw new Error('expected a ConfigurationError');
}

describe('client configuration', () => {
  it('accepts a valid configuration and fills in defaults', () => {
    const config = resolveConfig(valid);
    expect(config.clientId).toBe('app_contract');
    expect(config.baseUrl).toBe('http://127.0.0.1:3000/v1.7/');
    expect(config.onboardUrl).toBe('http://127.0.0.1:3000/apps/saas/');
    expect(config.autoRecoverExpiredCredentials).toBe(true);
    expect(config.pollIntervalMs).toBe(3000);
    expect(config.clockSkewMs).toBe(60_000);
    expect(config.privateKey.type).toBe('private');
  });

  it('defaults the addresses to the real service', () => {
    const { baseUrl, onboardUrl, ...rest } = valid;
    void baseUrl;
    void onboardUrl;
    expect(resolveConfig(rest).baseUrl).toBe(DIGIME_BASE_URL);
  });

  it('accepts a KeyObject', () => {
    expect(() => createDigimeClient({ ...valid, privateKey: app.privateKey })).not.toThrow();
  });

  it('names each bad field', () => {
    const paths = issuesFor({ ...valid, appId: '', contractId: 7, baseUrl: 'ftp://x/', redirectUri: 'callback' }).map((i) => i.path);
    expect(paths.sort()).toEqual(['appId', 'baseUrl', 'contractId', 'redirectUri']);
  });

  it('refuses a missing required option', () => {
    const { appId, ...rest } = valid;
    void appId;
    expect(issuesFor(rest).map((i) => i.path)).toEqual(['appId']);
  });

  it('refuses a key that is not an RSA private key of 2048 bits or more', () => {
    expect(issuesFor({ ...valid, privateKey: 'not a pem' })[0]?.path).toBe('privateKey');
    expect(issuesFor({ ...valid, privateKey: app.publicPem })[0]?.path).toBe('privateKey');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(issuesFor({ ...valid, privateKey: small })[0]?.message).toMatch(/2048/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(issuesFor({ ...valid, privateKey: ec })[0]?.message).toMatch(/RSA/);
  });

  it('refuses wrong types and unknown options (typos)', () => {
    expect(issuesFor({ ...valid, autoRecoverExpiredCredentials: 'yes' }).map((i) => i.path)).toEqual(['autoRecoverExpiredCredentials']);
    expect(issuesFor({ ...valid, fetch: 'fetch' }).map((i) => i.path)).toEqual(['fetch']);
    expect(issuesFor({ ...valid, consentHandler: {} }).map((i) => i.path)).toEqual(['consentHandler']);
    expect(issuesFor({ ...valid, pollIntervalMs: -1 }).map((i) => i.path)).toEqual(['pollIntervalMs']);
    expect(issuesFor({ ...valid, autoRecoverExpiredCredential: false })[0]?.message).toMatch(/autoRecoverExpiredCredential/);
    expect(issuesFor({ ...valid, baseUrl: 'http://x/v1.7/?a=1' }).map((i) => i.path)).toEqual(['baseUrl']);
  });

  it('refuses something that is not an options object', () => {
    expect(issuesFor(undefined)).toHaveLength(1);
  });

  it('puts the field names in the message', () => {
    expect(() => createDigimeClient({ ...valid, appId: '' })).toThrow(/appId/);
  });
});
