/**
 * digi.me API v1.7 (docs/protocol.md §4): each route checks the request JWT, calls the authority and
 * shapes the answer. No rule lives here.
 */
import { API_BASE_PATH, bearerToken } from '../core/index.js';
import { jsonBody } from './body.js';
import type { Route, RouteContext } from './router.js';
import { json } from './types.js';


/** The absolute JWKS URL put in the `jku` of server-signed JWS. */
const jwksUrl = ({ authority, req }: RouteContext) => authority.jwksUrl(req.url.origin);

/** A file's headers (docs/protocol.md §5): `x-metadata` and `last-modified`. */
const fileHeaders = (head: { metadata: string; lastModified: string }) => ({
  'content-type': 'application/octet-stream',
  'x-metadata': head.metadata,
  'last-modified': head.lastModified,
  'cache-control': 'no-store',
});

const verified = ({ authority, req }: RouteContext) => authority.verifyRequest(bearerToken(req.headers.authorization));

export const apiRoutes: Route[] = [
  {
    method: 'GET',
    path: `${API_BASE_PATH}/jwks/oauth`,
    handler: ({ authority }) => json(200, authority.jwks(), { 'cache-control': 'public, max-age=300' }),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/oauth/authorize`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.authorize(request, jsonBody(ctx.req), jwksUrl(ctx)));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/oauth/token`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.token(request, jwksUrl(ctx)));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/oauth/token/reference`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.tokenReference(request, jwksUrl(ctx), jsonBody(ctx.req)));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/permission-access/trigger`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(202, ctx.authority.trigger(request, jsonBody(ctx.req)));
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/query/:sessionKey`,
    handler: async (ctx) => json(200, ctx.authority.readFileList(await verified(ctx), ctx.params.sessionKey)),
  },
  {
    // Listed before the GET route, which would otherwise answer HEAD too.
    method: 'HEAD',
    path: `${API_BASE_PATH}/permission-access/query/:sessionKey/:fileName`,
    handler: async (ctx) => {
      const head = ctx.authority.readFileHead(await verified(ctx), ctx.params.sessionKey, ctx.params.fileName);
      return { status: 200, headers: fileHeaders(head) };
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/query/:sessionKey/:fileName`,
    handler: async (ctx) => {
      const file = ctx.authority.readFile(await verified(ctx), ctx.params.sessionKey, ctx.params.fileName);
      return { status: 200, headers: fileHeaders(file), body: file.data };
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/accounts`,
    handler: async (ctx) => json(200, ctx.authority.readAccounts(await verified(ctx))),
  },
  {
    method: 'DELETE',
    path: `${API_BASE_PATH}/user`,
    handler: async (ctx) => {
      ctx.authority.deleteUser(await verified(ctx));
      return { status: 204, headers: {} };
    },
  },
  // Contract details and discovery (docs/protocol.md §9.1), the portability report (§9.7).
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/contract`,
    handler: async (ctx) => json(200, ctx.authority.contractDetails(await verified(ctx))),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/discovery/sources`,
    handler: async (ctx) => json(200, ctx.authority.querySources(await verified(ctx), jsonBody(ctx.req))),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/discovery/countries`,
    handler: async (ctx) => json(200, ctx.authority.queryCountries(await verified(ctx), jsonBody(ctx.req))),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/discovery/platforms`,
    handler: async (ctx) => json(200, ctx.authority.queryPlatforms(await verified(ctx), jsonBody(ctx.req))),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/discovery/categories`,
    handler: async (ctx) => json(200, ctx.authority.queryCategories(await verified(ctx), jsonBody(ctx.req))),
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/sample/datasets/:sourceId`,
    handler: async (ctx) => json(200, ctx.authority.sampleDataSets(await verified(ctx), ctx.params.sourceId)),
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/export/:serviceType/report`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      const q = ctx.req.url.searchParams;
      const report = ctx.authority.portabilityReport(request, ctx.params.serviceType, { format: q.get('format'), from: q.get('from'), to: q.get('to') });
      return { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-store' }, body: report };
    },
  },
  // Managing accounts (docs/protocol.md §9.2, §9.3). `h:accountId` is a literal segment: the id is in a header.
  {
    method: 'DELETE',
    path: `${API_BASE_PATH}/permission-access/service/h:accountId`,
    handler: async (ctx) => {
      ctx.authority.deleteAccount(await verified(ctx), ctx.req.headers.accountid);
      return { status: 204, headers: {} };
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/revoke/h:accountId`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      const headers = { accountId: ctx.req.headers.accountid, redirectUri: ctx.req.headers.redirecturi };
      const onboardUrl = ctx.req.onboardUrl ?? ctx.authority.onboardUrl(ctx.req.url.origin);
      return json(200, ctx.authority.revokeAccountPermission(request, headers, onboardUrl));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/reference`,
    handler: async (ctx) => json(201, ctx.authority.createReference(await verified(ctx), jsonBody(ctx.req))),
  },
  // Push and storage (docs/protocol.md §9.5, §9.6); the cloud's own routes are in cloud.ts.
  {
    method: 'POST',
    path: `${API_BASE_PATH}/permission-access/import`,
    handler: async (ctx) =>
      json(201, ctx.authority.pushToLibrary(await verified(ctx), ctx.req.headers.filedescriptor, ctx.req.body)),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/permission-access/import/h:accountId/:standard/:version`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      const { standard = '', version = '' } = ctx.params;
      ctx.authority.pushToProvider(request, { accountId: ctx.req.headers.accountid, standard, version, body: jsonBody(ctx.req) });
      return json(201, { status: 'delivered' });
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/storage`,
    handler: async (ctx) => json(201, ctx.authority.createProvisionalStorage(await verified(ctx))),
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/storage`,
    handler: async (ctx) => json(200, ctx.authority.userStorage(await verified(ctx))),
  },
];
