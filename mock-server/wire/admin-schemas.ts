/**
 * The admin API's bodies, queries and answers as zod schemas: the route table (admin.ts) validates
 * with them, and the OpenAPI document (`GET /__admin/openapi.json`) is generated from them.
 * Request schemas that are rules of the core (faults, users, scenarios, app contracts) come from it.
 */
import { z } from 'zod';
import { CreateUserSchema, FaultSpecSchema, ScenariosSchema, STATE_FORMAT } from '../core/index.js';

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string(), reference: z.string() }) })
  .meta({ description: "digi.me's error shape" });

export const ClockChange = z
  .object({
    /** Seconds to move the clock by (negative moves it back). */
    advance: z.number().finite().optional().meta({ description: 'Seconds to move the clock by; negative moves it back.' }),
    /** An ISO 8601 time to set the clock to. */
    set: z.iso.datetime({ offset: true }).optional().meta({ description: 'An ISO 8601 time to set the clock to.' }),
    freeze: z.boolean().optional(),
    reset: z.literal(true).optional().meta({ description: 'Back to real time, unfrozen.' }),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'give advance, set, freeze or reset' });

export const ClockState = z.object({
  now: z.string(),
  nowMs: z.number(),
  frozen: z.boolean(),
  offsetMs: z.number().meta({ description: 'Mock time minus real time, in milliseconds.' }),
});

export const Health = z.object({ status: z.literal('ok'), kid: z.string().meta({ description: "The signing key's id (the JWKS's current kid)." }) });

export const RegisteredApp = z.object({ clientId: z.string(), appId: z.string(), contractId: z.string(), name: z.string() });

export const TokenSelection = z
  .object({
    token: z.enum(['access', 'refresh', 'all']).default('all'),
    clientId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    consentId: z.string().min(1).optional(),
  })
  .strict();

export const TokensExpired = z.object({
  expired: z.number().int().meta({ description: 'Tokens expired now.' }),
  apps: z.number().int().meta({ description: 'App contracts those tokens belong to.' }),
});
export const TokensRevoked = z.object({
  revoked: z.number().int().meta({ description: 'Tokens revoked now.' }),
  apps: z.number().int().meta({ description: 'App contracts those tokens belong to.' }),
});

export const Empty = z.object({}).strict();

export const ResetAnswer = z.object({ reset: z.literal(true), clock: ClockState });

const Jwk = z.object({ kty: z.literal('RSA'), kid: z.string(), n: z.string(), e: z.string(), alg: z.literal('PS512'), use: z.literal('sig') });

export const StateSnapshot = z
  .object({
    format: z.literal(STATE_FORMAT),
    version: z.number().int().meta({ description: 'The snapshot format version; another is refused.' }),
    takenAt: z.string().optional(),
    clock: z.object({ now: z.string().optional(), nowMs: z.number(), offsetMs: z.number(), frozen: z.boolean() }),
    keys: z.array(z.object({ kid: z.string(), status: z.enum(['current', 'previous']), jwk: Jwk })),
    store: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .meta({ description: "Each map of the store, by name: its entries by key. Bytes are {$bytes: base64}, keys {$publicKey: PEM}." }),
  })
  .loose();

export const Restored = z.object({ restored: z.literal(true), clock: ClockState });

export const FaultSpec = FaultSpecSchema;

export const FaultCreated = z.object({ id: z.string() });

export const FaultView = z.object({
  id: z.string(),
  match: z.record(z.string(), z.string()),
  respond: z.object({ status: z.number().int(), error: z.object({ code: z.string(), message: z.string() }).optional(), headers: z.record(z.string(), z.string()).optional() }).optional(),
  delayMs: z.number().int().optional(),
  drop: z.literal(true).optional(),
  times: z.number().int().optional(),
  remaining: z.number().int().nullable().meta({ description: 'Matching requests still to get it; null: until removed.' }),
  hits: z.number().int(),
});
export const FaultList = z.object({ faults: z.array(FaultView) });

const digits = z.string().regex(/^\d+$/, 'must be a whole number').transform(Number);

export const JournalQuery = z
  .object({
    limit: digits.optional().meta({ description: 'At most this many entries.' }),
    path: z.string().min(1).optional().meta({ description: 'An exact path or a prefix ending in *; without a leading / it is relative to /v1.7/.' }),
    clientId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    status: digits.optional(),
    since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Only requests at or after this real time.' }),
  })
  .strict();

export const JournalEntry = z.object({
  id: z.number().int(),
  at: z.string().meta({ description: 'Real time, ISO 8601.' }),
  mockTime: z.string().meta({ description: 'Mock time, ISO 8601.' }),
  method: z.string(),
  path: z.string(),
  status: z.number().int().meta({ description: '0 when a fault dropped the connection.' }),
  durationMs: z.number(),
  clientId: z.string().optional(),
  userId: z.string().optional(),
  grantType: z.string().optional(),
  claims: z.record(z.string(), z.unknown()).optional().meta({ description: "The request JWT's claims; every secret replaced by sha256:<12 characters>." }),
  error: z.object({ code: z.string() }).optional(),
  fault: z.object({ id: z.string(), respond: z.number().int().optional(), delayMs: z.number().int().optional(), drop: z.literal(true).optional() }).optional(),
});
export const JournalList = z.object({ requests: z.array(JournalEntry) });

export const RotateKeys = z.object({ retirePrevious: z.boolean().optional().meta({ description: 'Drop the replaced key at once: tokens it signed no longer verify.' }) }).strict();
export const Rotation = z.object({ kid: z.string(), previous: z.string().optional() });
export const KeyList = z.object({ keys: z.array(z.object({ kid: z.string(), status: z.enum(['current', 'previous']) })) });

export const CreateUser = CreateUserSchema;

export const CreatedUser = z.object({
  id: z.string(),
  name: z.string(),
  template: z.string(),
  accounts: z.array(z.object({ id: z.string(), reference: z.string(), serviceTypeName: z.string() })),
});
export const UserScenario = ScenariosSchema;
export const ScenarioSet = z.object({ id: z.string(), scenario: ScenariosSchema });

export const PactValues = z
  .record(z.string(), z.string())
  .meta({ description: 'What the state produced: userId, accessToken, refreshToken, code, codeVerifier, sessionKey, fileName, accountId, storageId.' });

export const OpenApiDocument = z.object({ openapi: z.string() }).loose();
