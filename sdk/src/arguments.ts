/**
 * Every public call checks its arguments before it does anything: an options object (or nothing,
 * where the call allows it) with known keys only, each of the right type, or `InvalidArgument`
 * naming each bad key. Unknown keys are refused rather than ignored: `{ userAccessToken }` dropped
 * in silence would start a whole new consent. Keys of the official digi.me SDK get a hint saying
 * what to use here, other near misses a "did you mean".
 */
import { z } from 'zod';
import { InvalidArgumentError, messageOf } from './errors.js';
import type { ValidationIssue } from './errors.js';
import { issuesOf } from './validation.js';

/** The longest wait a Node timer keeps (2^31 - 1 ms); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Option names of the official Node SDK (`init()` and its functions) that are named differently
 * here, or belong elsewhere. Used only for keys a call does not know, so a name that is valid
 * somewhere (`callback`, `state`, `accountId`) keeps its meaning there.
 */
export const OFFICIAL_OPTION_HINTS: Readonly<Record<string, string>> = {
  applicationId: "the official SDK's applicationId is appId here",
  retryOptions: "the official SDK's retryOptions is retry here ({ retries, baseDelayMs, maxDelayMs })",
  cloudBaseUrl: 'cloudBaseUrl is a client option here (createDigimeClient)',
  userAccessToken: "the official SDK's userAccessToken is oAuthToken here",
  contractDetails: 'contractId and privateKey are client options here (createDigimeClient)',
  contractId: 'contractId is a client option here (createDigimeClient)',
  privateKey: 'privateKey is a client option here (createDigimeClient)',
  callback: "the official SDK's callback is the client option redirectUri here",
  redirectUri: 'redirectUri is a client option here (createDigimeClient)',
  locale: "the official SDK's locale is lng here",
  state: 'the SDK makes the state itself and returns it with the URL; keep it for the callback',
  authorizationCode: 'pass the whole callback URL (or its query) as callback: the SDK reads the code and checks the state',
  onFileData: "the official SDK's onFileData is onFile here",
  onFileError: "files that cannot be read are listed in the result's failures",
  onStatusChange: "the official SDK's onStatusChange is onProgress here",
  onAccessTokenChange: 'new tokens are reported to the client option onTokenChange',
  storageId:
    'storageId is an option of the storage calls (listStorageFiles, uploadFileToStorage, downloadStorageFile, deleteStorageFiles) and of getAuthorizeUrl',
  accountId:
    'accountId is an option of the calls on one account (deleteAccount, getRevokeAccountPermissionUrl, getReauthorizeAccountUrl) and of pushData to a provider',
  token: 'pass the whole stored token as oAuthToken',
  accessToken: 'pass the whole stored token as oAuthToken',
  refreshToken: 'pass the whole stored token as oAuthToken',
  access_token: 'pass the whole stored token as oAuthToken',
};

/** Hints for keys inside an option, by their dotted path. */
const NESTED_HINTS: Readonly<Record<string, string>> = {
  'sessionOptions.pull': "the official SDK's sessionOptions.pull: put its scope in the option scope, the rest in sessionOptions",
  'sessionOptions.scope': 'scope is an option of its own here',
};

/** A short name for what a value is, for messages. */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'object') {
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
    }
    return typeof value;
  } catch {
    return `an unreadable ${typeof value}`;
  }
}

export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  try {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    // A revoked proxy: Array.isArray throws for it. zod then says it cannot be read.
    return true;
  }
}

// ---- Field schemas shared by the calls ------------------------------------------------------

export const nonEmptyString = z.string().min(1, 'must be a non-empty string');

export const functionField = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be ${what}` });

/** A duration for a timer, in ms. */
export const timerMs = z.number().finite().nonnegative().max(MAX_TIMER_MS);

/** A value the SDK sends as JSON: it must survive `JSON.stringify` (no BigInt, no cycle, no throwing `toJSON`). */
export function plainJson<T extends z.ZodType>(schema: T) {
  return schema.superRefine((value, ctx) => {
    try {
      JSON.stringify(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be plain JSON (${messageOf(error)})` });
    }
  });
}

/** `signal`: an AbortSignal, with a hint for the AbortController itself. */
export const signalField = z
  .unknown()
  .superRefine((value, ctx) => {
    if (value === undefined || value instanceof AbortSignal) return;
    ctx.addIssue({
      code: 'custom',
      message:
        value instanceof AbortController
          ? 'must be an AbortSignal: pass controller.signal, not the AbortController'
          : `must be an AbortSignal, got ${describeValue(value)}`,
    });
  })
  .optional();

const record = z.record(z.string(), z.unknown());

const timeRange = z.union([
  z.strictObject({ from: z.number().finite().optional(), to: z.number().finite().optional() }),
  z.strictObject({ last: nonEmptyString }),
]);

/** `scope` (docs/protocol.md §4.7): strict at its top level, where a misspelt key would widen the data. */
export const scopeField = z.strictObject({
  timeRanges: z.array(timeRange).optional(),
  serviceGroups: z
    .array(
      z.looseObject({
        id: z.number().int(),
        serviceTypes: z
          .array(
            z.looseObject({
              id: z.number().int(),
              serviceObjectTypes: z.array(z.looseObject({ id: z.number().int() })).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  criteria: z
    .array(z.looseObject({ from: z.number().finite().optional(), last: z.string().optional(), metadata: record.optional() }))
    .optional(),
});

/** `sessionOptions`: the trigger options other than the scope. */
export const sessionOptionsField = z.strictObject({
  limits: record.optional(),
  sourceFetch: z.boolean().optional(),
  sourceFetchFilter: record.optional(),
});

/** What the consent pages take besides the code (docs/protocol.md §9.4). */
export const consentPageFields = {
  serviceId: z.number().int().positive().optional(),
  lng: nonEmptyString.optional(),
  sourceType: z.enum(['pull', 'push']).optional(),
  triggerQuery: z.boolean().optional(),
  sampleData: z.strictObject({ dataSet: nonEmptyString, autoOnboard: z.boolean().optional() }).optional(),
  includeSampleDataOnlySources: z.boolean().optional(),
  sourcesScope: z
    .strictObject({ dataType: z.array(nonEmptyString).optional(), organizationType: nonEmptyString.optional() })
    .optional(),
};

// ---- Checking ---------------------------------------------------------------------------------

export interface CallOptionsSpec {
  /** Whether the call can be made without options. */
  optional?: boolean;
  /** Hints for keys this call does not know, besides the official SDK's names. */
  hints?: Readonly<Record<string, string>>;
}

/**
 * Checks a call's options against `shape` and returns them parsed (the same values: objects such
 * as the token and callbacks are the caller's own). Throws `InvalidArgumentError` listing every
 * unknown key (with a hint where there is one) and every bad value.
 */
/**
 * The schema of each call's options, made once per shape: zod compiles a parser for a schema the
 * first time it parses with it, which costs far more than the parse itself.
 */
const optionSchemas = new WeakMap<z.ZodRawShape, z.ZodObject>();

export function checkOptions<T>(call: string, value: unknown, shape: z.ZodRawShape, spec: CallOptionsSpec = {}): T {
  if (value === undefined && spec.optional) value = {};
  if (!isOptionsObject(value)) {
    throw new InvalidArgumentError([{ path: '', message: `${call} takes an options object, got ${describeValue(value)}${notOptionsHint(value)}` }]);
  }
  let schema = optionSchemas.get(shape);
  if (!schema) {
    schema = z.strictObject(shape);
    optionSchemas.set(shape, schema);
  }
  let issues: ValidationIssue[];
  // zod describes a bad value only when its error is read, so that reading is guarded too: a value
  // whose properties throw cannot escape as anything but InvalidArgumentError.
  try {
    const result = schema.safeParse(value);
    if (result.success) return result.data as T;
    issues = issuesWithHints(result.error, call, Object.keys(shape), spec.hints ?? {});
  } catch (error) {
    throw new InvalidArgumentError([{ path: '', message: `the options of ${call} cannot be read: ${messageOf(error)}` }], { cause: error });
  }
  throw new InvalidArgumentError(issues);
}

/** Checks one argument against `schema` (named `path` in the issues). */
export function checkArgument<T>(path: string, value: unknown, schema: z.ZodType): T {
  let issues: ValidationIssue[];
  try {
    const result = schema.safeParse(value);
    if (result.success) return result.data as T;
    issues = issuesWithHints(result.error, path, [], {}, path);
  } catch (error) {
    throw new InvalidArgumentError([{ path, message: `cannot be read: ${messageOf(error)}` }], { cause: error });
  }
  throw new InvalidArgumentError(issues);
}

function notOptionsHint(value: unknown): string {
  if (value instanceof AbortSignal || value instanceof AbortController) return ' (pass { signal })';
  return '';
}

/**
 * zod's issues as `ValidationIssue`s, unknown keys first and one issue per key, each with its hint:
 * the call's own, a nested one, the official SDK's, or the nearest known key.
 */
export function issuesWithHints(
  error: z.ZodError,
  call: string,
  knownKeys: readonly string[],
  hints: Readonly<Record<string, string>>,
  prefix = '',
): ValidationIssue[] {
  const unknown: ValidationIssue[] = [];
  const rest: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') {
      rest.push(...issuesOf(new z.ZodError([issue]), prefix));
      continue;
    }
    const parent = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    for (const key of issue.keys) {
      const path = parent ? `${parent}.${key}` : key;
      const top = parent === prefix;
      const nearest = top ? nearestKey(key, knownKeys) : undefined;
      const hint =
        own(NESTED_HINTS, path) ??
        (top ? (own(hints, key) ?? own(OFFICIAL_OPTION_HINTS, key) ?? (nearest ? `did you mean ${nearest}?` : undefined)) : undefined);
      unknown.push({ path, message: `"${key}" is not an option of ${parent || call}${hint ? `: ${hint}` : ''}` });
    }
  }
  return [...unknown, ...rest];
}

/** `map[key]` when `map` itself has it (never what an object inherits, such as `constructor`). */
function own(map: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** The known key `key` most likely misspells: the same but for case, or at most a small edit away. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const same = known.find((k) => k.toLowerCase() === lower);
  if (same) return same;
  const limit = key.length >= 8 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase(), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it is certainly over `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}
