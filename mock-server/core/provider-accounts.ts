/**
 * Accounts at providers (docs/protocol.md §9.5). A provider, a push source of the catalogue (type
 * 2, a MedMij clinic), is where apps push resources for the user, so it has nothing to sync: a
 * user connects it by onboarding it. When the user has no account there yet, approving the
 * onboard page for it makes one in the user's library (next to the sample accounts,
 * user-library.ts), which the consent then covers like any onboarded account. Deleting it removes
 * it (accounts.ts); onboarding the provider again makes a new one.
 */
import { findSource, type Catalogue, type CatalogueSource } from './catalogue.js';
import type { ConsentDecision, ConsentRequest } from './consent.js';
import type { CoreContext } from './context.js';
import type { Account } from './model.js';
import { libraryAccounts } from './accounts.js';
import { libraryUser } from './user-library.js';

/** On an approved onboard page for a provider the user has no account at: the account, added to their library. */
export function connectProvider(ctx: CoreContext, catalogue: Catalogue, request: ConsentRequest, decision: ConsentDecision): void {
  if (request.page !== 'onboard' || decision.decision !== 'accept' || decision.sampleDataSet !== undefined) return;
  const source = findSource(catalogue, decision.service);
  const user = request.boundUser && libraryUser(ctx, request.boundUser.id);
  if (!source || source.type !== 2 || source.publishedStatus !== 'approved' || !user) return;
  if (libraryAccounts(ctx, user).some((a) => a.serviceTypeId === source.service.id)) return;
  const list = ctx.store.providerAccounts.get(user.id) ?? [];
  ctx.store.providerAccounts.set(user.id, [...list, { userId: user.id, account: providerAccount(catalogue, source, user.id, ctx.clock.now()) }]);
}

/** Named as the fixtures name accounts: `<group>_<service type>_<user>-<source>`. */
function providerAccount(catalogue: Catalogue, source: CatalogueSource, userId: string, now: number): Account {
  const group = catalogue.categories.find((c) => c.id === source.categories[0]);
  return {
    id: `${group?.id ?? 0}_${source.service.id}_${userId}-${source.reference}`,
    reference: `provider-${userId}-${source.reference}`,
    type: 'PUSH',
    createdDate: now,
    updatedDate: now,
    serviceGroupId: group?.id ?? 0,
    serviceGroupName: group?.name ?? 'Other',
    serviceTypeId: source.service.id,
    serviceTypeName: source.service.name,
    serviceTypeReference: source.service.reference,
    sourceId: source.id,
  };
}
