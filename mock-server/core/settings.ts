/**
 * Every setting of the mock, declared once: its place in the configuration object, its zod type
 * and default, and, registered with it, its flag, environment variable and one-line doc. The
 * config-file schema, the environment reader, the CLI's flags and `--help`, and the README's
 * configuration table (`npx tsx scripts/config-table.ts --write`) are all derived from this file
 * (core/config.ts does the reading).
 *
 * To add a setting, add one entry below, ending in `.register(setting, { doc, flag?, env? })`. A
 * setting with neither flag nor env can only be set in a config file. Nested objects are
 * `z.strictObject({...}).prefault({})`, so that a config file's unknown keys are refused.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ScenariosSchema } from './model.js';

/** What is declared of a setting besides its type and default. */
export interface SettingMeta {
  /** One line for `--help` and the README's table. */
  doc: string;
  /** Command-line flag, e.g. `--access-token-ttl`. */
  flag?: `--${string}`;
  /** Environment variable, e.g. `DIGIME_MOCK_ACCESS_TOKEN_TTL`. */
  env?: string;
  /** A file or folder: a flag's is relative to the working folder, a config file's to that file. */
  path?: true;
  /** The flag's value in `--help` (derived from the type when unset). */
  arg?: string;
  /** How the default reads in the docs, when it is not a plain value (or there is none). */
  defaultText?: string;
}

/** The settings' registry: a schema registered here is one setting (a leaf of the configuration). */
export const setting = z.registry<SettingMeta>();

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

const AppTtlSchema = z.object({ accessToken: seconds.optional(), refreshToken: seconds.optional() });

/** The contract's details that digi.me keeps and the mock has no rule for; each has a default. */
const AppDetailsSchema = z.object({
  type: z.string().min(1).optional(),
  partnerId: z.string().min(1).optional(),
  certificate: z.string().optional(),
  certificateContractSchemaVersion: z.string().min(1).optional(),
  /** Unix milliseconds. */
  expirationDate: z.number().int().nonnegative().optional(),
  /** The application's status (digi.me: a number; 1 active). */
  applicationStatus: z.number().int().optional(),
});

/** An app contract, as registered by a fixture, a config file or `POST /__admin/apps`. */
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
  ttl: AppTtlSchema.optional(),
  /** What the contract may do with the user's library: read (`r`, default) or also write (`w`). */
  accessType: z.enum(['r', 'w']).optional(),
  /** The contract reads raw data: its sessions list the files apps pushed to the library (docs/protocol.md §9.5). */
  rawData: z.boolean().optional(),
  /** What `GET permission-access/contract` tells about the contract beyond its ids (docs/protocol.md §9.1). */
  details: AppDetailsSchema.optional(),
});
export type AppContractConfig = z.infer<typeof AppContractConfigSchema>;

/** An app contract in a config file: the same, with unknown keys refused. */
const AppContractFileSchema = AppContractConfigSchema.extend({ ttl: AppTtlSchema.strict().optional(), details: AppDetailsSchema.strict().optional() }).strict();

export const ConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').register(setting, {
    doc: 'Interface to listen on.',
    flag: '--host',
    env: 'HOST',
    arg: 'host',
  }),
  port: z.number().int().min(0).max(65535).default(8080).register(setting, {
    doc: 'Port to listen on; 0 picks a free one.',
    flag: '--port',
    env: 'PORT',
    arg: 'port',
  }),
  publicUrl: z.string().url().optional().register(setting, {
    doc: 'Origin clients reach the server at, for the jku header of server-signed JWS and the page links the API hands out.',
    flag: '--public-url',
    env: 'DIGIME_MOCK_PUBLIC_URL',
    arg: 'url',
    defaultText: "each request's origin",
  }),
  dataDir: z.string().min(1).default('.data').register(setting, {
    doc: "Folder where the command keeps its files: the signing key (unless keyFile is set), its state (state.json, unless stateFile is set) and the HTTPS certificate authority. The in-process API writes nothing unless given keyFile.",
    flag: '--data-dir',
    env: 'DIGIME_MOCK_DATA_DIR',
    path: true,
    arg: 'dir',
  }),
  keyFile: z.string().min(1).optional().register(setting, {
    doc: 'PEM file with the server signing key; created (RSA-2048, mode 0600) when missing, so restarts keep it and tokens issued before still verify.',
    flag: '--key-file',
    env: 'DIGIME_MOCK_KEY_FILE',
    path: true,
    arg: 'file',
    defaultText: 'the command: <dataDir>/signing-key.pem; in-process: a key in memory',
  }),
  https: z.boolean().default(false).register(setting, {
    doc: 'Serve TLS, with a certificate from a local certificate authority kept in <dataDir>/ca.pem (for phones and simulators).',
    flag: '--https',
    env: 'DIGIME_MOCK_HTTPS',
  }),
  fixturesDir: z.string().min(1).default(join(packageRoot(), 'fixtures')).register(setting, {
    doc: 'Folder with apps/ and users/ fixtures.',
    flag: '--fixtures',
    env: 'DIGIME_MOCK_FIXTURES',
    path: true,
    arg: 'dir',
    defaultText: "this package's fixtures/",
  }),
  defaultUser: z.string().min(1).default('demo').register(setting, {
    doc: 'Fixture user who consents when the consent page is not told otherwise (?user=).',
  }),
  consent: z.enum(['page', 'accept', 'deny']).default('page').register(setting, {
    doc: 'What the consent page does: show a page, or accept or deny at once with a redirect.',
    flag: '--consent',
    env: 'DIGIME_MOCK_CONSENT',
  }),
  /** Lifetimes, in seconds of mock time. */
  ttl: z
    .strictObject({
      accessToken: seconds.default(86_400).register(setting, {
        doc: 'Access token lifetime, in seconds of mock time.',
        flag: '--access-token-ttl',
        env: 'DIGIME_MOCK_ACCESS_TOKEN_TTL',
        arg: 'seconds',
      }),
      refreshToken: seconds.default(2_592_000).register(setting, {
        doc: 'Refresh token lifetime, in seconds of mock time.',
        flag: '--refresh-token-ttl',
        env: 'DIGIME_MOCK_REFRESH_TOKEN_TTL',
        arg: 'seconds',
      }),
      preauthorizationCode: seconds.default(600).register(setting, {
        doc: 'Preauthorization code lifetime, in seconds of mock time.',
        flag: '--preauthorization-code-ttl',
        env: 'DIGIME_MOCK_PREAUTHORIZATION_CODE_TTL',
        arg: 'seconds',
      }),
      authorizationCode: seconds.default(600).register(setting, {
        doc: 'Authorization code lifetime, in seconds of mock time.',
        flag: '--authorization-code-ttl',
        env: 'DIGIME_MOCK_AUTHORIZATION_CODE_TTL',
        arg: 'seconds',
      }),
      referenceCode: seconds.default(600).register(setting, {
        doc: 'Lifetime of reference codes (user reauth, onboard, reauthorize), revoke codes and account references, in seconds of mock time.',
      }),
      session: seconds.default(3_600).register(setting, {
        doc: 'Data session lifetime, in seconds of mock time.',
        flag: '--session-ttl',
        env: 'DIGIME_MOCK_SESSION_TTL',
        arg: 'seconds',
      }),
    })
    .prefault({}),
  requestJwtWindow: seconds.default(300).register(setting, {
    doc: "Allowed distance, in seconds, between a request JWT's timestamp and the real clock.",
    flag: '--request-jwt-window',
    env: 'DIGIME_MOCK_REQUEST_JWT_WINDOW',
    arg: 'seconds',
  }),
  /**
   * `keep` (digi.me's behaviour): the same value stays valid until its original expiry. `rotate`:
   * a new value with the same expiry; the old one stops working. `rotate-detect-reuse`: as rotate,
   * and presenting an old value revokes the whole family.
   */
  refreshPolicy: z.enum(['keep', 'rotate', 'rotate-detect-reuse']).default('keep').register(setting, {
    doc: "What a refresh does to the refresh token: keep it (digi.me's behaviour), rotate it, or rotate and revoke the family on reuse.",
    flag: '--refresh-policy',
    env: 'DIGIME_MOCK_REFRESH_POLICY',
  }),
  /** Data sessions' syncs. */
  sync: z
    .strictObject({
      pendingSeconds: z.number().min(0).finite().default(2).register(setting, {
        doc: "How long (mock seconds) a data session's sync stays pending.",
      }),
      runningSeconds: z.number().min(0).finite().default(20).register(setting, {
        doc: 'How long (mock seconds) a sync then runs.',
      }),
    })
    .prefault({}),
  scenarios: ScenariosSchema.prefault({}).register(setting, {
    doc: 'Data-plane scenarios: partialAccounts, the accounts (reference or id) whose sync ends partial; reauthAccounts, those whose authorisation has lapsed.',
    defaultText: 'none',
  }),
  cors: z
    .array(
      z.string().refine((o) => o === '*' || (URL.canParse(o) && new URL(o).origin === o), {
        message: 'must be an origin (scheme://host[:port], no path) or *',
      }),
    )
    .default([])
    .register(setting, {
      doc: 'Origins whose web pages may call the API and the consent pages (CORS; preflights answered), or * for any. Never the admin API.',
      flag: '--cors',
      env: 'DIGIME_MOCK_CORS',
      arg: 'origin,…',
    }),
  admin: z
    .strictObject({
      allowRemote: z.boolean().default(false).register(setting, {
        doc: 'Serve /__admin to non-loopback clients too.',
        flag: '--allow-remote-admin',
      }),
      token: z.string().min(1).optional().register(setting, {
        doc: 'Require Authorization: Bearer <token> on every /__admin call but health; any client may then call.',
        flag: '--admin-token',
        env: 'DIGIME_MOCK_ADMIN_TOKEN',
        arg: 'token',
        defaultText: 'none (loopback clients only)',
      }),
    })
    .prefault({}),
  journalSize: z.number().int().min(0).max(100_000).default(1000).register(setting, {
    doc: 'How many API requests /__admin/requests remembers (the newest); 0 keeps none.',
    flag: '--journal-size',
    env: 'DIGIME_MOCK_JOURNAL_SIZE',
    arg: 'count',
  }),
  persist: z.boolean().default(true).register(setting, {
    doc: 'The command keeps its state (apps, users, consents, tokens, sessions, clock) in stateFile across restarts; --no-persist keeps it in memory. The in-process API never writes it.',
    flag: '--persist',
    env: 'DIGIME_MOCK_PERSIST',
  }),
  stateFile: z.string().min(1).optional().register(setting, {
    doc: 'Where the command keeps its state when persist is on; by default beside the signing key, whose tokens it holds.',
    flag: '--state-file',
    env: 'DIGIME_MOCK_STATE_FILE',
    path: true,
    arg: 'file',
    defaultText: 'state.json beside keyFile: <dataDir>/state.json',
  }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').register(setting, {
    doc: 'pino log level; silent turns logging off.',
    flag: '--log-level',
    env: 'DIGIME_MOCK_LOG_LEVEL',
  }),
  apps: z.array(AppContractFileSchema).default([]).register(setting, {
    doc: 'App contracts registered at start (appId, contractId, publicKey, ...), besides those in fixturesDir/apps.',
  }),
});
