/**
 * Sample data (docs/protocol.md §9.1, §9.4). A source's sample data sets are the fixture users who
 * have an account of it: the set's id is the user's id, its name the user's name. Onboarding a set
 * puts a sample account (`sample: true`) of that source into the consenting user's library, which
 * syncs the data of the named user's account.
 */
import type { Catalogue } from './catalogue.js';
import { findSource } from './catalogue.js';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import type { Account, User } from './model.js';
import type { SampleAccount } from './store.js';

export interface SampleDataSet {
  name: string;
  description: string;
}

/** `GET permission-access/sample/datasets/<sourceId>`: `{}` for a source without any; 404 for an unknown source. */
export function sampleDataSets(ctx: CoreContext, catalogue: Catalogue, rawSourceId: unknown): Record<string, SampleDataSet> {
  const source = findSource(catalogue, rawSourceId);
  if (!source) throw errors.notFound('The source');
  const out: Record<string, SampleDataSet> = {};
  for (const user of ctx.users.values()) {
    const account = user.accounts.find((a) => a.sourceId === source.id);
    if (account) out[user.id] = { name: user.name, description: `${source.name} data of ${user.name} (${account.username ?? account.id})` };
  }
  return out;
}

export interface SampleDataChoice {
  dataUser: User;
  dataAccount: Account;
}

/** The account whose data set `dataSet` is for the source `service` (a source id), if there is one. */
export function findSampleDataSet(ctx: CoreContext, service: string | undefined, dataSet: string): SampleDataChoice | undefined {
  const dataUser = ctx.users.get(dataSet);
  const dataAccount = dataUser?.accounts.find((a) => String(a.sourceId) === service);
  return dataUser && dataAccount ? { dataUser, dataAccount } : undefined;
}

/** The user's sample account with this data set, added to their library the first time. */
export function sampleAccount(ctx: CoreContext, userId: string, { dataUser, dataAccount }: SampleDataChoice): Account {
  const list = ctx.store.sampleAccounts.get(userId) ?? [];
  const existing = list.find((s) => s.dataUserId === dataUser.id && s.dataAccountId === dataAccount.id);
  if (existing) return existing.account;
  const now = ctx.clock.now();
  const { accessTokenStatus: _status, ...fields } = dataAccount;
  const record: SampleAccount = {
    userId,
    dataUserId: dataUser.id,
    dataAccountId: dataAccount.id,
    account: {
      ...fields,
      id: `${dataAccount.id}_sample-${userId}`,
      reference: `sample-${userId}-${dataAccount.reference}`,
      createdDate: now,
      updatedDate: now,
      sample: true,
    },
  };
  ctx.store.sampleAccounts.set(userId, [...list, record]);
  return record.account;
}

/** Where a sample account's data comes from; undefined for an account of the user's own. */
export function sampleOrigin(ctx: CoreContext, userId: string, accountId: string): SampleAccount | undefined {
  return ctx.store.sampleAccounts.get(userId)?.find((s) => s.account.id === accountId);
}
