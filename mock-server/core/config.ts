/**
 * The mock's configuration: one typed object whose defaults live next to their documentation.
 * Sources, later ones winning: these defaults, a JSON file (`--config`), the environment, CLI flags,
 * and at run time the admin API. `parseConfig` validates the merged result and names the bad field.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ScenariosSchema } from './data/scenarios.js';

/** The folder holding this package's package.json (works from sources and from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'fixtures'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

const seconds = z.number().positive().finite();

export const AppContractConfigSchema = z.object({
  appId: z.string().min(1).regex(/^[^_\s]+$/, 'must not contain "_" or spaces'),
  contractId: z.string().min(1).regex(/^\S+$/, 'must not contain spaces'),
  /** The contract's public key (PEM). Request JWTs must verify against it; files are encrypted to it. */
  publicKey: z.string().includes('PUBLIC KEY', { message: 'must be a PEM public key' }),
  name: z.string().optional(),
  description: z.string().optional(),
  /** When set, authorize calls must use one of these redirect URIs (InvalidRedirectUri otherwise). */
  redirectUris: z.array(z.string().url()).optional(),
  /** Per-contract lifetimes that override the server's. */
  ttl: z.object({ accessToken: seconds.optional(), refreshToken: seconds.optional() }).optional(),
});
export type AppContractConfig = z.infer<typeof AppContractConfigSchema>;

export const ConfigSchema = z.object({
  /** Interface to listen on. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port to listen on; 0 picks a free one. */
  port: z.number().int().min(0).max(65535).default(8080),
  /**
   * The origin clients reach this server at, used for the `jku` header of server-signed JWS.
   * Unset: derived from each request's Host header.
   */
  publicUrl: z.string().url().optional(),
  /** PEM file with the server's RSA signing key; created (RSA-2048) when missing, so restarts keep the key. */
  keyFile: z.string().min(1).default('.data/signing-key.pem'),
  /** Folder with `apps/` and `users/` fixtures. */
  fixturesDir: z.string().min(1).default(join(packageRoot(), 'fixtures')),
  /** Fixture user who consents when the consent page is not told otherwise (`?user=`). */
  defaultUser: z.string().min(1).default('demo'),
  /** What the consent page does: show a page, or accept/deny at once with a redirect. */
  consent: z.enum(['page', 'accept', 'deny']).default('page'),
  /** Lifetimes, in seconds of mock time. */
  ttl: z
    .object({
      accessToken: seconds.default(86_400),
      refreshToken: seconds.default(2_592_000),
      preauthorizationCode: seconds.default(600),
      authorizationCode: seconds.default(600),
      referenceCode: seconds.default(600),
      session: seconds.default(3_600),
    })
    .prefault({}),
  /** Allowed distance, in seconds, between a request JWT's `timestamp` and the real wall clock. */
  requestJwtWindow: seconds.default(300),
  /**
   * What a refresh does to the refresh token. `keep` (digi.me's behaviour): the same value stays
   * valid until its original expiry. `rotate`: a new value with the same expiry; the old one stops
   * working. `rotate-detect-reuse`: as rotate, and presenting an old value revokes the whole family.
   */
  refreshPolicy: z.enum(['keep', 'rotate', 'rotate-detect-reuse']).default('keep'),
  /** Data sessions: how long (mock seconds) a sync stays pending, and how long it then runs. */
  sync: z
    .object({
      pendingSeconds: z.number().min(0).finite().default(2),
      runningSeconds: z.number().min(0).finite().default(20),
    })
    .prefault({}),
  /** Data-plane scenarios, e.g. accounts whose sync ends `partial` (core/data/scenarios.ts). */
  scenarios: ScenariosSchema.prefault({}),
  admin: z
    .object({
      /** Serve /__admin to non-loopback addresses too. */
      allowRemote: z.boolean().default(false),
    })
    .prefault({}),
  /** pino log level; `silent` turns logging off. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** App contracts registered at start, besides those in `fixturesDir/apps`. */
  apps: z.array(AppContractConfigSchema).default([]),
});

export type MockConfig = z.infer<typeof ConfigSchema>;
export type MockConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates a merged configuration, naming the first bad field in the error. */
export function parseConfig(input: unknown, source = 'configuration'): MockConfig {
  const result = ConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid ${source}: ${issues.join('; ')}`);
  }
  return result.data;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays and values of later sources replace earlier ones. */
export function mergeConfig(...sources: Plain[]): Plain {
  const out: Plain = {};
  for (const src of sources) {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined) continue;
      out[k] = isPlain(v) && isPlain(out[k]) ? mergeConfig(out[k] as Plain, v) : v;
    }
  }
  return out;
}

const numberFrom = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ConfigError(`Invalid environment: ${name} must be a number, got "${raw}"`);
  return n;
};

/** The configuration the environment asks for (only the variables that are set). */
export function configFromEnv(env: NodeJS.ProcessEnv): Plain {
  return {
    host: env.HOST || undefined,
    port: numberFrom('PORT', env.PORT),
    publicUrl: env.DIGIME_MOCK_PUBLIC_URL || undefined,
    keyFile: env.DIGIME_MOCK_KEY_FILE || undefined,
    fixturesDir: env.DIGIME_MOCK_FIXTURES || undefined,
    consent: env.DIGIME_MOCK_CONSENT || undefined,
    logLevel: env.DIGIME_MOCK_LOG_LEVEL || undefined,
    refreshPolicy: env.DIGIME_MOCK_REFRESH_POLICY || undefined,
    requestJwtWindow: numberFrom('DIGIME_MOCK_REQUEST_JWT_WINDOW', env.DIGIME_MOCK_REQUEST_JWT_WINDOW),
    ttl: {
      accessToken: numberFrom('DIGIME_MOCK_ACCESS_TOKEN_TTL', env.DIGIME_MOCK_ACCESS_TOKEN_TTL),
      refreshToken: numberFrom('DIGIME_MOCK_REFRESH_TOKEN_TTL', env.DIGIME_MOCK_REFRESH_TOKEN_TTL),
      preauthorizationCode: numberFrom('DIGIME_MOCK_PREAUTHORIZATION_CODE_TTL', env.DIGIME_MOCK_PREAUTHORIZATION_CODE_TTL),
      authorizationCode: numberFrom('DIGIME_MOCK_AUTHORIZATION_CODE_TTL', env.DIGIME_MOCK_AUTHORIZATION_CODE_TTL),
      session: numberFrom('DIGIME_MOCK_SESSION_TTL', env.DIGIME_MOCK_SESSION_TTL),
    },
  };
}

/** Resolves paths in a configuration relative to a folder (the config file's). */
export function resolvePaths(config: Plain, base: string): Plain {
  const out = { ...config };
  for (const key of ['keyFile', 'fixturesDir'] as const) {
    if (typeof out[key] === 'string') out[key] = resolve(base, out[key] as string);
  }
  return out;
}
