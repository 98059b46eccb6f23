/**
 * digi.me's cloud storage (docs/protocol.md §9.6), served under `/cloud/v1/` on the mock's origin:
 * `clouds/<storageId>/files/apps/<appId>/<path>`. Its errors take the cloud's shape,
 * `{"statusCode", "error", "message"}`, not the API's.
 */
import { asApiError, type CloudAddress, CLOUD_BASE_PATH, errors } from '../core/index.js';
import type { Route, RouteContext } from './router.js';
import { json, type WireResponse } from './types.js';

const ADDRESS = /^clouds\/([^/]+)\/files\/apps\/([^/]+)(\/.*)?$/;

function address(ctx: RouteContext): CloudAddress {
  const m = ADDRESS.exec(ctx.params.path ?? '');
  if (!m) throw errors.notFound();
  return { storageId: m[1]!, appId: m[2]!, path: m[3] ?? '/' };
}

/** Runs a cloud call; any failure is answered in the cloud's error shape. */
function cloudRoute(method: Route['method'], handle: (ctx: RouteContext, at: CloudAddress, authorization: string | undefined) => WireResponse): Route {
  return {
    method,
    path: `${CLOUD_BASE_PATH}/*path`,
    handler: (ctx) => {
      try {
        return handle(ctx, address(ctx), ctx.req.headers.authorization);
      } catch (err) {
        const e = asApiError(err);
        return json(e.status, { statusCode: e.status, error: e.code, message: e.message });
      }
    },
  };
}

export const cloudRoutes: Route[] = [
  cloudRoute('POST', ({ authority, req }, at, authorization) => json(201, authority.uploadStorageFile(authorization, at, req.body))),
  // A path ending in `/` is a folder, listed; any other is a file, downloaded.
  cloudRoute('GET', ({ authority, req }, at, authorization) =>
    at.path.endsWith('/')
      ? json(200, authority.listStorageFiles(authorization, at, req.url.searchParams.get('recursive') === 'true'))
      : {
          status: 200,
          headers: { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' },
          body: authority.downloadStorageFile(authorization, at),
        },
  ),
  cloudRoute('DELETE', ({ authority }, at, authorization) => {
    authority.deleteStorageFiles(authorization, at);
    return { status: 204, headers: {} };
  }),
];
