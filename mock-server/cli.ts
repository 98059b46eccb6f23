#!/usr/bin/env node
/**
 * `digime-mock`: starts the mock digi.me server. Configuration, later sources winning: embedded
 * defaults, `--config <file.json>`, environment variables, flags. The settings, their flags and
 * variables are declared in core/settings.ts; `--help` lists them from there.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ConfigError,
  configFromEnv,
  configFromFlags,
  defaultText,
  flagArg,
  flagOptions,
  mergeConfig,
  parseConfig,
  resolvePaths,
  SETTINGS,
} from './core/index.js';
import { startMockServer } from './server.js';

function help(): string {
  const lines = ['  --config <file.json>', '      configuration file (see README, "Configuration")'];
  for (const s of SETTINGS) {
    if (!s.flag) continue;
    const arg = flagArg(s);
    lines.push(`  ${s.flag}${arg ? ` <${arg}>` : ''}`, `      ${s.doc}`, `      ${s.env ? `env ${s.env}, ` : ''}default ${defaultText(s)}`);
  }
  lines.push('  -h, --help', '      this text');
  return [
    'Usage: digime-mock [options]',
    '',
    'Starts a mock digi.me API v1.7 server (consent, tokens, data) with a controllable clock.',
    '',
    'Options:',
    ...lines,
    '',
  ].join('\n');
}

function readFlags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { ...flagOptions(), config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  const { config, help, ...settings } = values;
  return { flags: configFromFlags(settings), configFile: config as string | undefined, help: help === true };
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
  const { flags, configFile, help: wantsHelp } = readFlags(process.argv.slice(2));
  if (wantsHelp) {
    process.stdout.write(help());
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
