/**
 * Session options (docs/protocol.md §4): what a data session returns. Parsed once here from the wire, so
 * every later rule works on a checked value.
 */
import { z } from 'zod';
import { MAX_TIME_MS } from './clock.js';
import { errors } from './errors.js';
import { formatIssues } from './validation.js';

const ServiceObjectType = z.object({ id: z.number().int() }).passthrough();
const ServiceType = z
  .object({ id: z.number().int(), serviceObjectTypes: z.array(ServiceObjectType).optional() })
  .passthrough();
const ServiceGroup = z.object({ id: z.number().int(), serviceTypes: z.array(ServiceType).optional() }).passthrough();

const TimeRange = z.union([
  z.object({ last: z.string().regex(/^\d{1,5}[dmy]$/, 'must look like "30d", "6m" or "1y"') }).strict(),
  z
    // Unix seconds, within the range of dates.
    .object({ from: z.number().nonnegative().max(MAX_TIME_MS / 1000).optional(), to: z.number().nonnegative().max(MAX_TIME_MS / 1000).optional() })
    .strict(),
]);

const strings = z.array(z.string()).optional();

/** Which raw files (pushed to the library) a session lists (core/data/raw-files.ts). */
const Criterion = z
  .object({
    from: z.number().nonnegative().max(MAX_TIME_MS / 1000).optional(),
    last: z.string().regex(/^\d{1,5}[dmy]$/, 'must look like "30d", "6m" or "1y"').optional(),
    metadata: z
      .object({
        appId: strings,
        contractId: strings,
        mimeType: strings,
        reference: strings,
        tags: strings,
        accounts: z.array(z.object({ accountId: z.string() }).passthrough()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const ScopeSchema = z
  .object({
    timeRanges: z.array(TimeRange).optional(),
    serviceGroups: z.array(ServiceGroup).optional(),
    criteria: z.array(Criterion).optional(),
  })
  .passthrough();

export const SessionOptionsSchema = z
  .object({
    scope: ScopeSchema.optional(),
    limits: z.object({ duration: z.object({ sourceFetch: z.number().optional() }).passthrough().optional() }).passthrough().optional(),
    sourceFetch: z.boolean().optional(),
    sourceFetchFilter: z.unknown().optional(),
  })
  .passthrough();

export type Scope = z.infer<typeof ScopeSchema>;
export type Criterion = z.infer<typeof Criterion>;
export type SessionOptions = z.infer<typeof SessionOptionsSchema>;

/** Session options as a rule can use them, or 406 ValidationErrors naming the field under `where`. */
export function parseSessionOptions(raw: unknown, where: string): SessionOptions {
  if (raw === undefined || raw === null) return {};
  const parsed = SessionOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 1).map((i) => ({ ...i, path: [where, ...i.path] }));
    throw errors.validation(formatIssues(first));
  }
  return parsed.data;
}

/** Trigger bodies put session options at the top level (docs/protocol.md §4). */
export function sessionOptionsFromBody(body: unknown): SessionOptions {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw errors.validation('the body must be a JSON object');
  const { agent: _agent, ...options } = body as Record<string, unknown>;
  return parseSessionOptions(options, 'body');
}
