/**
 * What the control plane does to API requests (docs/protocol.md §8.10): a matching fault answers
 * instead, delays the answer, or drops the connection; every request is journaled; and a request
 * that may change state is counted, for the CLI's state file. The rules are the core's; this
 * only applies them around the route table.
 */
import type { Authority } from '../core/index.js';
import type { WireRequest, WireResponse } from './types.js';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error code of an answer: digi.me's shape, or the cloud's. */
function errorCode(out: WireResponse): string | undefined {
  const error = (out.body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Reads may not change state; consent pages decide on a GET too (`autoConsent`). */
const mayChange = (method: string, path: string) => (method !== 'GET' && method !== 'HEAD') || path.startsWith('/apps/saas/');

export function observed(authority: Authority, handle: (req: WireRequest) => Promise<WireResponse>) {
  return async (req: WireRequest): Promise<WireResponse> => {
    const started = performance.now();
    const method = req.method.toUpperCase();
    const path = req.url.pathname;
    const { authorization } = req.headers;
    const fault = authority.takeFault({ method, path, authorization });
    if (fault?.delayMs) await wait(fault.delayMs);
    let out: WireResponse;
    if (fault?.drop) out = { status: 0, headers: {}, drop: true };
    else if (fault?.respond) out = { status: fault.respond.status, headers: fault.respond.headers, body: fault.respond.body };
    else out = await handle(req);
    if (mayChange(method, path)) authority.markChanged();
    const code = errorCode(out);
    authority.recordRequest({
      method,
      path,
      status: out.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      authorization,
      ...(code ? { error: { code } } : {}),
      ...(fault
        ? {
            fault: {
              id: fault.id,
              ...(fault.respond ? { respond: fault.respond.status } : {}),
              ...(fault.delayMs ? { delayMs: fault.delayMs } : {}),
              ...(fault.drop ? { drop: true as const } : {}),
            },
          }
        : {}),
    });
    return out;
  };
}
