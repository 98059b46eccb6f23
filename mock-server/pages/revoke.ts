/**
 * The revoke page (docs/protocol.md §9.2, O+revoke): the user withdraws an app's access to one
 * account, or cancels. Plain HTML with no script: a form that posts the decision back.
 */
import type { Account, RevokeRequest } from '../core/index.js';
import { escapeHtml, layout } from './consent.js';

export const accountLabel = (account: Account) =>
  `${account.serviceTypeName}${account.username ? ` (${account.username})` : ''}`;

export function revokePage({ app, user, account, code }: RevokeRequest, action: string): string {
  return layout(
    `${app.name}: withdraw access`,
    `<h1 id="heading">Stop sharing <span id="account">${escapeHtml(accountLabel(account))}</span> with <span id="app-name">${escapeHtml(app.name)}</span>?</h1>
<p>Signed in as <strong id="user">${escapeHtml(user.name)}</strong>.</p>
<p>Withdrawing stops the app from reading this account's data until you re-authorise it. The account stays in your library.</p>
<form method="post" action="${escapeHtml(action)}">
  <input type="hidden" name="code" value="${escapeHtml(code.code)}">
  <div class="actions">
    <button class="approve" type="submit" name="decision" value="accept" id="withdraw">Withdraw</button>
    <button type="submit" name="decision" value="deny" id="cancel">Cancel</button>
  </div>
</form>`,
  );
}
