/**
 * The reauthorize page (docs/protocol.md §9.3, O+reauthorize): the user signs in to one account's
 * source again, giving the app access to it again, or denies. Plain HTML with no script.
 */
import type { ReauthorizeRequest } from '../core/index.js';
import { escapeHtml, layout } from './consent.js';
import { accountLabel } from './revoke.js';

export function reauthorizePage({ consentRequest, user, account }: ReauthorizeRequest, accountRef: string, action: string): string {
  const { app, code } = consentRequest;
  return layout(
    `${app.name}: re-authorise an account`,
    `<h1 id="heading"><span id="app-name">${escapeHtml(app.name)}</span> asks you to sign in to <span id="account">${escapeHtml(accountLabel(account))}</span> again</h1>
<p>Signed in as <strong id="user">${escapeHtml(user.name)}</strong>.</p>
<p>Approving gives the app access to this account's data again.</p>
<form method="post" action="${escapeHtml(action)}">
  <input type="hidden" name="code" value="${escapeHtml(code.code)}">
  <input type="hidden" name="accountRef" value="${escapeHtml(accountRef)}">
  <div class="actions">
    <button class="approve" type="submit" name="decision" value="accept" id="approve">Approve</button>
    <button type="submit" name="decision" value="deny" id="deny">Deny</button>
  </div>
</form>`,
  );
}
