/**
 * The control plane real digi.me lacks (`/__admin`): the mock clock, app registration, health.
 * Served on the same port, to loopback peers only unless `admin.allowRemote` is set.
 */
import { z } from 'zod';
import { ApiError, AppContractConfigSchema, formatIssues } from '../core/index.js';
import { jsonBody } from './body.js';
import type { Route, RouteContext } from './router.js';
import { json } from './types.js';

export const ADMIN_PREFIX = '/__admin';

/** Parses an admin body with a schema; a bad body is ValidationErrors 400 naming the field. */
function parse<T extends z.ZodType>(schema: T, ctx: RouteContext): z.infer<T> {
  const result = schema.safeParse(jsonBody(ctx.req) ?? {});
  if (!result.success) {
    const detail = formatIssues(result.error.issues, '(body)');
    throw new ApiError('ValidationErrors', `Parameter validation errors: ${detail}`, 400);
  }
  return result.data;
}

const ClockChange = z
  .object({
    /** Seconds to move the clock by (negative moves it back). */
    advance: z.number().finite().optional(),
    /** An ISO 8601 time to set the clock to. */
    set: z.iso.datetime({ offset: true }).optional(),
    freeze: z.boolean().optional(),
    reset: z.literal(true).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, { message: 'give advance, set, freeze or reset' });

const TokenSelection = z
  .object({
    token: z.enum(['access', 'refresh', 'all']).default('all'),
    clientId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    consentId: z.string().min(1).optional(),
  })
  .strict();

export const adminRoutes: Route[] = [
  {
    method: 'GET',
    path: `${ADMIN_PREFIX}/health`,
    handler: ({ authority }) => {
      const { kid, apps } = authority.overview();
      return json(200, { status: 'ok', kid, apps: apps.length });
    },
  },
  {
    method: 'GET',
    path: `${ADMIN_PREFIX}/clock`,
    handler: ({ authority }) => json(200, authority.clock.state()),
  },
  {
    method: 'POST',
    path: `${ADMIN_PREFIX}/clock`,
    handler: (ctx) => {
      return json(200, ctx.authority.changeClock(parse(ClockChange, ctx)));
    },
  },
  {
    method: 'POST',
    path: `${ADMIN_PREFIX}/apps`,
    handler: (ctx) => {
      const app = ctx.authority.registerApp(parse(AppContractConfigSchema, ctx));
      return json(201, { clientId: app.clientId, appId: app.appId, contractId: app.contractId, name: app.name });
    },
  },
  {
    method: 'POST',
    path: `${ADMIN_PREFIX}/tokens/expire`,
    handler: (ctx) => json(200, { expired: ctx.authority.expireTokens(parse(TokenSelection, ctx)) }),
  },
  {
    method: 'POST',
    path: `${ADMIN_PREFIX}/tokens/revoke`,
    handler: (ctx) => json(200, { revoked: ctx.authority.revokeTokens(parse(TokenSelection, ctx)) }),
  },
];
