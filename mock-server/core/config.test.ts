import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configFromEnv,
  configFromFlags,
  ConfigError,
  flagOptions,
  mergeConfig,
  parseConfig,
  resolvePaths,
  SETTINGS,
  type Setting,
} from './config.js';

describe('configuration', () => {
  it('has documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      consent: 'page',
      refreshPolicy: 'keep',
      requestJwtWindow: 300,
      ttl: { accessToken: 86_400, refreshToken: 2_592_000, preauthorizationCode: 600, authorizationCode: 600, session: 3600 },
      admin: { allowRemote: false },
    });
  });

  it('file < environment < flags', () => {
    const file = { port: 1000, ttl: { accessToken: 10, refreshToken: 20 } };
    const env = configFromEnv({ PORT: '2000', DIGIME_MOCK_ACCESS_TOKEN_TTL: '30' });
    const flags = { port: 3000 };
    const c = parseConfig(mergeConfig(file, env, flags));
    expect(c.port).toBe(3000);
    expect(c.ttl.accessToken).toBe(30);
    expect(c.ttl.refreshToken).toBe(20);
    expect(c.ttl.session).toBe(3600);
  });

  it('names the bad field', () => {
    expect(() => parseConfig({ ttl: { accessToken: -1 } })).toThrow(/ttl\.accessToken/);
    expect(() => parseConfig({ consent: 'maybe' })).toThrow(ConfigError);
    expect(() => parseConfig({ port: 70000 })).toThrow(/port/);
    expect(() => configFromEnv({ DIGIME_MOCK_REFRESH_TOKEN_TTL: 'soon' })).toThrow(/DIGIME_MOCK_REFRESH_TOKEN_TTL/);
  });

  it('reads the consent mode and lifetimes from the environment', () => {
    const c = parseConfig(configFromEnv({ DIGIME_MOCK_CONSENT: 'accept', DIGIME_MOCK_REFRESH_TOKEN_TTL: '120', HOST: '0.0.0.0' }));
    expect(c).toMatchObject({ consent: 'accept', host: '0.0.0.0', ttl: { refreshToken: 120 } });
  });
});

/** A valid text for a setting's flag or variable, and the value it stands for. */
function sample(s: Setting): [string, unknown] {
  if (s.type === 'number') return ['7', 7];
  if (s.type === 'boolean') return ['true', true];
  if (s.type === 'list') return ['http://a.example, http://b.example', ['http://a.example', 'http://b.example']];
  const text = s.values?.at(-1) ?? 'http://example.test';
  return [text, text];
}
const at = (config: object, keys: string[]) => keys.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);

describe('declared settings', () => {
  it('declare each flag and variable once, with a doc', () => {
    const flags = SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []));
    const envs = SETTINGS.flatMap((s) => (s.env ? [s.env] : []));
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(envs).size).toBe(envs.length);
    for (const s of SETTINGS) expect(s.doc, s.key).toMatch(/\S/);
    expect(SETTINGS.map((s) => s.key)).toEqual(expect.arrayContaining(['host', 'port', 'ttl.accessToken', 'admin.allowRemote', 'scenarios', 'apps']));
  });

  it('reads every declared environment variable into its setting', () => {
    const declared = SETTINGS.filter((s) => s.env);
    expect(declared.map((s) => s.env)).toEqual(expect.arrayContaining(['HOST', 'PORT', 'DIGIME_MOCK_ACCESS_TOKEN_TTL', 'DIGIME_MOCK_LOG_LEVEL']));
    for (const s of declared) {
      const [text, value] = sample(s);
      expect(at(parseConfig(configFromEnv({ [s.env!]: text })), s.keys), s.env).toEqual(value);
    }
  });

  it('reads every declared flag into its setting, paths against the working folder', () => {
    const declared = SETTINGS.filter((s) => s.flag);
    expect(declared.map((s) => s.flag)).toEqual(expect.arrayContaining(['--host', '--fixtures', '--session-ttl', '--allow-remote-admin']));
    for (const s of declared) {
      const [text, value] = sample(s);
      const name = s.flag!.slice(2);
      expect(flagOptions()[name], s.flag).toEqual({ type: s.type === 'boolean' ? 'boolean' : 'string' });
      const config = configFromFlags({ [name]: s.type === 'boolean' ? true : text }, '/work');
      expect(at(parseConfig(config), s.keys), s.flag).toEqual(s.path ? resolve('/work', text) : value);
    }
    expect(() => configFromFlags({ 'access-token-ttl': 'soon' })).toThrow(/--access-token-ttl must be a number/);
  });

  it('ignores empty environment variables and undeclared ones', () => {
    expect(configFromEnv({ HOST: '', PORT: '', DIGIME_MOCK_TTL: '5', ttl: '5' })).toEqual({});
  });

  it('resolves a config file’s paths against its folder, leaving the rest alone', () => {
    const file = { keyFile: 'k.pem', fixturesDir: '/abs/fixtures', host: 'h', ttl: { session: 5 } };
    expect(resolvePaths(file, '/etc/mock')).toEqual({ keyFile: resolve('/etc/mock', 'k.pem'), fixturesDir: '/abs/fixtures', host: 'h', ttl: { session: 5 } });
    expect(file.keyFile).toBe('k.pem');
  });

  it('refuses unknown keys of a config file, naming them', () => {
    expect(() => parseConfig({ colour: 'red' })).toThrow(/Unrecognized key: "colour"/);
    expect(() => parseConfig({ ttl: { accesToken: 5 } })).toThrow(/ttl: Unrecognized key: "accesToken"/);
    expect(() => parseConfig({ admin: { allowRemote: true, password: 'x' } })).toThrow(/admin: Unrecognized key: "password"/);
    expect(() => parseConfig({ sync: { pending: 1 } })).toThrow(/sync: Unrecognized key: "pending"/);
    expect(() => parseConfig({ scenarios: { partial: [] } })).toThrow(/scenarios: Unrecognized key: "partial"/);
    const app = { appId: 'a', contractId: 'c', publicKey: '-----BEGIN PUBLIC KEY-----' };
    expect(() => parseConfig({ apps: [{ ...app, secret: 1 }] })).toThrow(/apps\.0: Unrecognized key: "secret"/);
    expect(() => parseConfig({ apps: [{ ...app, ttl: { access: 1 } }] })).toThrow(/apps\.0\.ttl: Unrecognized key: "access"/);
    expect(() => parseConfig({ colour: 'red' })).toThrow(ConfigError);
  });
});
