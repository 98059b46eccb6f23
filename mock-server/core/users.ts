/**
 * `DELETE user` (docs/protocol.md §4): the user leaves this app contract. Every consent of the user for the
 * contract goes, and with them their tokens, codes and sessions; other contracts keep theirs.
 */
import type { CoreContext } from './context.js';
import type { Consent } from './store.js';

export function deleteUser(ctx: CoreContext, consent: Consent): void {
  const { store } = ctx;
  const gone = new Set<string>();
  for (const [id, other] of store.consents) {
    if (other.clientId === consent.clientId && other.userId === consent.userId) {
      gone.add(id);
      store.consents.delete(id);
    }
  }
  for (const [jti, t] of store.tokens) {
    if (!gone.has(t.consentId)) continue;
    store.tokens.delete(jti);
    store.presignedAccess.delete(t.family);
  }
  for (const [key, s] of store.sessions) if (s.consentId && gone.has(s.consentId)) store.sessions.delete(key);
  for (const [code, a] of store.authorizationCodes) if (gone.has(a.consentId)) store.authorizationCodes.delete(code);
  for (const [code, p] of store.preauthorizationCodes) {
    if (p.consentId && gone.has(p.consentId)) store.preauthorizationCodes.delete(code);
  }
  for (const [code, r] of store.revokeCodes) if (gone.has(r.consentId)) store.revokeCodes.delete(code);
}
