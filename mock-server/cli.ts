#!/usr/bin/env node
/**
 * `digime-mock`: starts the mock digi.me server. Configuration, later sources winning: embedded
 * defaults, `--config <file.json>`, environment variables, flags.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, configFromEnv, mergeConfig, parseConfig, resolvePaths } from './core/config.js';
import { startMockServer } from './server.js';

const HELP = `Usage: digime-mock [options]

Starts a mock digi.me API v1.7 server (consent, tokens, data) with a controllable clock.

Options:
  --config <file.json>               configuration file (see README, "Configuration")
  --host <host>                      interface to listen on        (env HOST, default 127.0.0.1)
  --port <port>                      port, 0 for any free one      (env PORT, default 8080)
  --public-url <url>                 origin clients use, for jku   (env DIGIME_MOCK_PUBLIC_URL)
  --key-file <path>                  server signing key (PEM)      (env DIGIME_MOCK_KEY_FILE, default .data/signing-key.pem)
  --fixtures <dir>                   apps/ and users/ fixtures     (env DIGIME_MOCK_FIXTURES, default: this package's fixtures/)
  --consent <page|accept|deny>       consent page behaviour        (env DIGIME_MOCK_CONSENT, default page)
  --access-token-ttl <seconds>       (env DIGIME_MOCK_ACCESS_TOKEN_TTL, default 86400)
  --refresh-token-ttl <seconds>      (env DIGIME_MOCK_REFRESH_TOKEN_TTL, default 2592000)
  --preauthorization-code-ttl <s>    (default 600)
  --authorization-code-ttl <s>       (default 600)
  --session-ttl <seconds>            data session lifetime         (default 3600)
  --request-jwt-window <seconds>     allowed request-JWT timestamp skew (default 300)
  --refresh-policy <keep|rotate|rotate-detect-reuse>   (default keep)
  --allow-remote-admin               serve /__admin to non-loopback clients
  --log-level <level>                fatal|error|warn|info|debug|trace|silent (default info)
  -h, --help                         this text
`;

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got "${raw}"`);
  return n;
}

function configFromFlags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'public-url': { type: 'string' },
      'key-file': { type: 'string' },
      fixtures: { type: 'string' },
      consent: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'refresh-token-ttl': { type: 'string' },
      'preauthorization-code-ttl': { type: 'string' },
      'authorization-code-ttl': { type: 'string' },
      'session-ttl': { type: 'string' },
      'request-jwt-window': { type: 'string' },
      'refresh-policy': { type: 'string' },
      'allow-remote-admin': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const flags = {
    host: values.host,
    port: num('port', values.port),
    publicUrl: values['public-url'],
    keyFile: values['key-file'] && resolve(values['key-file']),
    fixturesDir: values.fixtures && resolve(values.fixtures),
    consent: values.consent,
    refreshPolicy: values['refresh-policy'],
    logLevel: values['log-level'],
    requestJwtWindow: num('request-jwt-window', values['request-jwt-window']),
    admin: { allowRemote: values['allow-remote-admin'] },
    ttl: {
      accessToken: num('access-token-ttl', values['access-token-ttl']),
      refreshToken: num('refresh-token-ttl', values['refresh-token-ttl']),
      preauthorizationCode: num('preauthorization-code-ttl', values['preauthorization-code-ttl']),
      authorizationCode: num('authorization-code-ttl', values['authorization-code-ttl']),
      session: num('session-ttl', values['session-ttl']),
    },
  };
  return { flags, configFile: values.config, help: values.help };
}

function fileConfig(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`Config file ${path} must hold a JSON object`);
  return resolvePaths(raw as Record<string, unknown>, dirname(resolve(path)));
}

async function main(): Promise<void> {
  const { flags, configFile, help } = configFromFlags(process.argv.slice(2));
  if (help) {
    process.stdout.write(HELP);
    return;
  }
  const envConfig = configFromEnv(process.env);
  const config = parseConfig(mergeConfig(fileConfig(configFile), envConfig, flags));
  const running = await startMockServer(config);
  const { kid, apps, users } = running.authority.overview();
  const lines = [
    `digi.me mock server listening on ${running.url} (started in ${performance.now().toFixed(0)} ms)`,
    `  API base (baseUrl):      ${running.baseUrl}`,
    `  consent (onboardUrl):    ${running.onboardUrl}`,
    `  JWKS:                    ${running.baseUrl}jwks/oauth  (kid ${kid})`,
    `  admin:                   ${running.url}/__admin/clock, /__admin/apps, /__admin/health`,
    `  consent mode:            ${config.consent}   access token ttl ${config.ttl.accessToken}s, refresh token ttl ${config.ttl.refreshToken}s`,
    `  app contracts:           ${apps.map((a) => `${a.appId} / ${a.contractId}`).join(', ') || '(none)'}`,
    `  users:                   ${users.map((u) => u.id).join(', ') || '(none)'}`,
    '',
    'Point the digi.me Node SDK at it:',
    `  init({ applicationId: "demo-app", baseUrl: "${running.baseUrl}", onboardUrl: "${running.onboardUrl}" })`,
    'Make the access token expire:',
    `  curl -X POST ${running.url}/__admin/clock -H 'content-type: application/json' -d '{"advance": ${config.ttl.accessToken}}'`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  const stop = () => {
    running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`digime-mock: ${message}\n`);
  process.exit(1);
});
