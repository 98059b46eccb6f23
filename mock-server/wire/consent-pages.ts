/**
 * The consent web client (O = /apps/saas/): GET shows the page, or decides at once when
 * `autoConsent=accept|deny` is given or the server's consent mode says so; POST takes the form.
 */
import { asApiError, type ConsentPage, ConsentPageError } from '../core/index.js';
import { consentErrorPage, consentPage } from '../pages/consent.js';
import { reauthorizePage } from '../pages/reauthorize.js';
import { revokePage } from '../pages/revoke.js';
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
        const options = authority.consentPageOptions((name) => q.get(name));
        const view = authority.consentPageView(request, options);
        const decision = authority.automaticDecision(q.get('autoConsent'), options);
        const { service, sampleDataSet, triggerQuery } = options;
        const storageRef = q.get('storageRef') ?? undefined;
        authority.storageChoice(request, storageRef);
        if (decision) {
          return redirect(
            authority.decideConsent(request, { decision, userId: q.get('user') ?? undefined, service, sampleDataSet, triggerQuery, storageRef }),
          );
        }
        return html(200, consentPage(request, path, authority.config.defaultUser, { ...view, service, triggerQuery, storageRef }));
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
        const { service, sampleDataSet, triggerQuery } = authority.consentPageOptions((name) => form.get(name));
        const to = authority.decideConsent(request, {
          decision,
          userId: form.get('user') ?? undefined,
          service,
          sampleDataSet,
          triggerQuery,
          storageRef: form.get('storageRef') ?? undefined,
        });
        return redirect(to, 303);
      }),
    },
  ];
}

/** The pages for one account (docs/protocol.md §9.2, §9.3): revoke (Withdraw / Cancel) and reauthorize. */
function accountPageRoutes(): Route[] {
  const revoke = `${ONBOARD_PREFIX}/revoke`;
  const reauthorize = `${ONBOARD_PREFIX}/reauthorize`;
  return [
    {
      method: 'GET',
      path: revoke,
      handler: guarded(({ authority, req }) => {
        const q = req.url.searchParams;
        const request = authority.revokeRequest(q.get('code'));
        const decision = authority.automaticDecision(q.get('autoConsent'));
        return decision ? redirect(authority.decideRevoke(request, decision)) : html(200, revokePage(request, revoke));
      }),
    },
    {
      method: 'POST',
      path: revoke,
      handler: guarded(({ authority, req }) => {
        const form = formBody(req);
        const request = authority.revokeRequest(form.get('code'));
        const decision = decisionFrom(form.get('decision'));
        if (!decision) throw new ConsentPageError('Choose Withdraw or Cancel.');
        return redirect(authority.decideRevoke(request, decision), 303);
      }),
    },
    {
      method: 'GET',
      path: reauthorize,
      handler: guarded(({ authority, req }) => {
        const q = req.url.searchParams;
        const accountRef = q.get('accountRef');
        const request = authority.reauthorizeRequest(q.get('code'), accountRef);
        const decision = authority.automaticDecision(q.get('autoConsent'));
        if (decision) return redirect(authority.decideReauthorize(request, decision));
        return html(200, reauthorizePage(request, accountRef ?? '', reauthorize));
      }),
    },
    {
      method: 'POST',
      path: reauthorize,
      handler: guarded(({ authority, req }) => {
        const form = formBody(req);
        const request = authority.reauthorizeRequest(form.get('code'), form.get('accountRef'));
        const decision = decisionFrom(form.get('decision'));
        if (!decision) throw new ConsentPageError('Choose Approve or Deny.');
        return redirect(authority.decideReauthorize(request, decision), 303);
      }),
    },
  ];
}

export const consentRoutes: Route[] = [...(['authorize', 'user-reauth', 'onboard'] as const).flatMap(pageRoutes), ...accountPageRoutes()];
