import { describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, mergeConfig, parseConfig } from './config.js';

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
