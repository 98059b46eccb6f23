#!/usr/bin/env node
/**
 * `digime-mock`: starts the mock digi.me server. Configuration, later sources winning: embedded
 * defaults, `--config <file.json>`, environment variables, flags. The settings, their flags and
 * variables are declared in core/settings.ts; `--help` lists them from there.
 */
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
  type MockConfig,
} from './core/index.js';
import { holdHeapGrowth } from './heap.js';
import { startMockServer } from './server.js';
import { loadStateFile, StateWriter, type StateLoad } from './state-file.js';

/** How long requests in flight may finish after SIGTERM or SIGINT. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The command keeps its files in the data folder: the signing key unless `keyFile` names one, and
 * the HTTPS certificate authority. The folder must be writable before anything starts.
 */
function withDataDir(config: MockConfig): MockConfig {
  if (config.keyFile && !config.https) return config;
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
  } catch (err) {
    throw new ConfigError(`dataDir: ${config.dataDir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { ...config, keyFile: config.keyFile ?? join(config.dataDir, 'signing-key.pem') };
}

/**
 * Where the command keeps its state, unless `persist` is off: `stateFile`, else beside the signing
 * key (`<dataDir>/state.json` by default), since the tokens in it belong with that key.
 */
function stateFileOf(config: MockConfig): string | undefined {
  if (!config.persist) return undefined;
  return config.stateFile ?? join(dirname(config.keyFile ?? join(config.dataDir, 'signing-key.pem')), 'state.json');
}

function trustLines(caFile: string): string[] {
  return [
    `HTTPS: the certificate is signed by a local certificate authority (TEST ONLY): ${caFile}`,
    'Trust it where your app runs:',
    `  iOS Simulator:     xcrun simctl keychain booted add-root-cert ${caFile}`,
    `  Android emulator:  adb push ${caFile} /sdcard/Download/digime-mock-ca.pem, then Settings > Security >`,
    '                     Encryption & credentials > Install a certificate > CA certificate (debug builds',
    '                     must trust user CAs in network_security_config)',
    `  Node:              NODE_EXTRA_CA_CERTS=${caFile} node your-app.js`,
    '',
  ];
}

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
    // `--no-persist` (and `--no-<flag>` for every switch).
    allowNegative: true,
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

/** The process that started this one, read first thing: under npm it may go while the server starts. */
const LAUNCHER = process.ppid;

/**
 * Why the server is to stop, from the first moment: a signal that arrives while it is still
 * starting stops it as soon as it listens, rather than killing it half-way.
 */
const stopRequests = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
  // Under npm (`npm start`, `npx digime-mock`) the server runs below npm and a shell; when npm is
  // stopped, the shell may die without passing the signal on, which would leave the server holding
  // the port with nobody to stop it. So under npm, the server stops when its parent goes.
  if (process.env.npm_command) {
    setInterval(() => {
      if (process.ppid !== LAUNCHER) resolve('the end of the npm process that started it');
    }, 250).unref();
  }
});

async function main(): Promise<void> {
  const { flags, configFile, help: wantsHelp } = readFlags(process.argv.slice(2));
  if (wantsHelp) {
    process.stdout.write(help());
    return;
  }
  const envConfig = configFromEnv(process.env);
  const config = withDataDir(parseConfig(mergeConfig(fileConfig(configFile), envConfig, flags)));
  const certificateAuthority = config.https ? (await import('./tls.js')).loadOrCreateCertificateAuthority(config.dataDir) : undefined;
  const stateFile = stateFileOf(config);
  let loaded: StateLoad | undefined;
  const running = await startMockServer(config, {
    certificateAuthority,
    prepare: (authority) => {
      if (stateFile) loaded = loadStateFile(stateFile, authority, (line) => process.stderr.write(`${line}\n`));
    },
  });
  const writer = stateFile
    ? new StateWriter(stateFile, running.authority, (err) => process.stderr.write(`digime-mock: warning: cannot write ${stateFile}: ${err.message}\n`)).start()
    : undefined;
  const { kid, apps, users } = running.authority.overview();
  const example = apps[0];
  const lines = [
    `digi.me mock server listening on ${running.url} (started in ${performance.now().toFixed(0)} ms)`,
    `  API base (baseUrl):      ${running.baseUrl}`,
    `  consent (onboardUrl):    ${running.onboardUrl}`,
    `  storage (cloudBaseUrl):  ${running.cloudBaseUrl}`,
    `  JWKS:                    ${running.baseUrl}jwks/oauth  (kid ${kid})`,
    `  admin:                   ${running.url}/__admin/clock, /__admin/reset, /__admin/health (all: /__admin/openapi.json)`,
    `  state:                   ${stateFile ? `${stateFile} (${loaded?.outcome === 'restored' ? 'restored' : 'new'}; --no-persist keeps it in memory)` : 'in memory only'}`,
    `  consent mode:            ${config.consent}   access token ttl ${config.ttl.accessToken}s, refresh token ttl ${config.ttl.refreshToken}s`,
    `  app contracts:           ${apps.map((a) => `${a.appId} / ${a.contractId}`).join(', ') || '(none)'}`,
    `  users:                   ${users.map((u) => u.id).join(', ') || '(none)'}`,
    '',
    ...(example
      ? [
          'Point the digi.me Node SDK at it:',
          `  init({ applicationId: "${example.appId}", baseUrl: "${running.baseUrl}", onboardUrl: "${running.onboardUrl}" })`,
        ]
      : ['No app contract is registered: add one to the fixtures, or POST it to /__admin/apps.']),
    'Make the access token expire:',
    `  curl${config.https ? ` --cacert ${certificateAuthority?.certFile}` : ''} -X POST ${running.url}/__admin/clock -H 'content-type: application/json' -d '{"advance": ${config.ttl.accessToken}}'`,
    '',
    ...(certificateAuthority?.certFile ? trustLines(certificateAuthority.certFile) : []),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  holdHeapGrowth();
  void stopRequests.then((why) =>
    running.close({ graceMs: SHUTDOWN_GRACE_MS }).then(
      () => {
        writer?.stop();
        process.stdout.write(`digime-mock: stopped on ${why}\n`);
        process.exit(0);
      },
      (err: unknown) => {
        writer?.stop();
        process.stderr.write(`digime-mock: stopped on ${why}, with an error closing the server: ${(err as Error).message}\n`);
        process.exit(1);
      },
    ),
  );
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`digime-mock: ${message}\n`);
  process.exit(1);
});
