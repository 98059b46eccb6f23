/**
 * The consent web client (O = /apps/saas/): GET shows the page, or decides at once when
 * `autoConsent=accept|deny` is given or the server's consent mode says so; POST takes the form.
 */
import { asApiError, type ConsentPage, ConsentPageError } from '../core/index.js';
import { consentErrorPage, consentPage } from '../pages/consent.js';
import { formBody } from './body.js';
import type { Route, RouteContext } from './router.js';
import { html, redirect, type WireResponse } from './types.js';

export const ONBOARD_PREFIX = '/apps/saas';

function decisionFrom(value: string | null | undefined): 'accept' | 'deny' | undefined {
  return value === 'accept' || value === 'deny' ? value : undefined;
}

function guarded(fn: (ctx: RouteContext) => WireResponse): (ctx: RouteContext) => WireResponse {
  return (ctx) => {
    try {
      return fn(ctx);
    } catch (err) {
      if (err instanceof ConsentPageError) return html(400, consentErrorPage(err.message));
      const e = asApiError(err);
      return html(e.status, consentErrorPage(e.message));
    }
  };
}

function pageRoutes(page: ConsentPage): Route[] {
  const path = `${ONBOARD_PREFIX}/${page}`;
  return [
    {
      method: 'GET',
      path,
      handler: guarded(({ authority, req }) => {
        const q = req.url.searchParams;
        const request = authority.consentRequest(q.get('code'), page);
        const decision = authority.automaticDecision(q.get('autoConsent'));
        const service = q.get('service') ?? undefined;
        if (decision) {
          return redirect(authority.decideConsent(request, { decision, userId: q.get('user') ?? undefined, service }));
        }
        return html(200, consentPage(request, path, authority.config.defaultUser, service));
      }),
    },
    {
      method: 'POST',
      path,
      handler: guarded(({ authority, req }) => {
        const form = formBody(req);
        const request = authority.consentRequest(form.get('code'), page);
        const decision = decisionFrom(form.get('decision'));
        if (!decision) throw new ConsentPageError('Choose Approve or Deny.');
        const to = authority.decideConsent(request, {
          decision,
          userId: form.get('user') ?? undefined,
          service: form.get('service') ?? undefined,
        });
        return redirect(to, 303);
      }),
    },
  ];
}

export const consentRoutes: Route[] = (['authorize', 'user-reauth', 'onboard'] as const).flatMap(pageRoutes);
