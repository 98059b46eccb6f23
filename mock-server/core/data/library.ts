/**
 * A user's library: the digi.me files their data sets make, built once at start. Each file holds
 * its objects sorted by time, so a session's time range keeps contiguous runs of them.
 */
import type { Account, User } from '../model.js';
import { monthBounds, monthKey } from './calendar.js';
import { COMPRESSIONS, type Compression, type DataSet } from './data-set.js';
import { fileName } from './file-names.js';

export interface LibraryFile {
  name: string;
  account: Account;
  objectType: number;
  objectTypeName: string;
  schema: DataSet['schema'];
  /** `YYYYMM`, for files split by month. */
  month?: string;
  /** The span the file covers: its month, or its objects' first and last time. */
  start: number;
  /** Exclusive. */
  end: number;
  objects: readonly Record<string, unknown>[];
  /** Each object's time (Unix ms), ascending, aligned with `objects`. */
  times: readonly number[];
  compression: Compression;
}

/** 1 for a user's first account of a service type, 2 for the second, … (file-names.ts). */
export function accountIndex(user: User, account: Account): number {
  const sameType = user.accounts.filter((a) => a.serviceTypeId === account.serviceTypeId);
  return sameType.findIndex((a) => a.id === account.id) + 1;
}

function filesOf(user: User, set: DataSet): LibraryFile[] {
  const account = set.accountRecord;
  const sorted = set.objects
    .map((object) => ({ object, time: object[set.timeField] as number }))
    .sort((a, b) => a.time - b.time);
  const groups = new Map<string | undefined, typeof sorted>();
  for (const entry of sorted) {
    const key = set.split === 'month' ? monthKey(entry.time) : undefined;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  const files = [...groups].map(([month, entries]): Omit<LibraryFile, 'compression'> => {
    const [start, end] = month
      ? monthBounds(month)
      : [entries[0]?.time ?? 0, (entries[entries.length - 1]?.time ?? 0) + 1];
    return {
      name: fileName({
        serviceGroup: account.serviceGroupId,
        serviceType: account.serviceTypeId,
        accountIndex: accountIndex(user, account),
        objectType: set.objectType,
        month,
      }),
      account,
      objectType: set.objectType,
      objectTypeName: set.objectTypeName,
      schema: set.schema,
      month,
      start,
      end,
      objects: entries.map((e) => e.object),
      times: entries.map((e) => e.time),
    };
  });
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files.map((f, i) => ({
    ...f,
    compression: set.compression === 'rotate' ? COMPRESSIONS[i % COMPRESSIONS.length]! : set.compression,
  }));
}

/** Every file of a user's data sets, in name order. */
export function buildLibrary(user: User, sets: readonly DataSet[]): LibraryFile[] {
  return sets.flatMap((set) => filesOf(user, set)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
