/**
 * Raw files in sessions (docs/protocol.md §9.5): the files apps pushed into a user's library.
 * A session of a contract that reads raw data lists those its user's library held when it
 * started, filtered by `scope.criteria` (the consent's and the session's both apply); time ranges
 * and service groups concern mapped data only. They download with raw-file metadata, whose keys
 * are lower-case, unlike the descriptor the app pushed.
 */
import type { Criterion } from '../session-options.js';
import type { AppContract, Consent, DataSession, PushedFile } from '../store.js';
import { before } from './calendar.js';

/** The `metadata` of a raw file's `x-metadata`, as the official SDK's codec reads it. */
export interface RawFileMetadata {
  mimetype: string;
  accounts: { accountid: string }[];
  reference?: string[];
  tags?: string[];
  appid: string;
  contractid: string;
  created: number;
}

const LAST = /^(\d+)([dmy])$/;
const anyOf = (wanted: string[] | undefined, have: readonly string[]) =>
  !wanted?.length || wanted.some((w) => have.includes(w));

/** A criterion: every part it gives must hold (each list of values: any of them). */
function matches(criterion: Criterion, file: PushedFile, sessionStart: number): boolean {
  if (criterion.from !== undefined && file.createdAt < criterion.from * 1000) return false;
  const last = criterion.last === undefined ? undefined : LAST.exec(criterion.last);
  if (last && file.createdAt < before(sessionStart, Number(last[1]), last[2] as 'd' | 'm' | 'y')) return false;
  const m = criterion.metadata;
  if (!m) return true;
  return (
    anyOf(m.appId, [file.appId]) &&
    anyOf(m.contractId, [file.contractId]) &&
    anyOf(m.mimeType, [file.mimeType]) &&
    anyOf(m.reference, file.reference ?? []) &&
    anyOf(m.tags, file.tags ?? []) &&
    anyOf(m.accounts?.map((a) => a.accountId), file.accounts.map((a) => a.accountId))
  );
}

/** The raw files a session lists, in name order; none for a contract that does not read raw data. */
export function rawFilesOf(
  pushed: Iterable<PushedFile>,
  app: AppContract | undefined,
  consent: Consent,
  session: DataSession,
): PushedFile[] {
  if (!app?.rawData) return [];
  // A scope without criteria (or with none listed) restricts nothing; a listed one lets through
  // the files that match any of its criteria.
  const scopes = [consent.sessionOptions?.scope?.criteria, session.options.scope?.criteria].filter((c) => c?.length);
  return [...pushed]
    .filter((f) => f.userId === consent.userId && f.createdAt <= session.createdAt)
    .filter((f) => scopes.every((criteria) => criteria!.some((c) => matches(c, f, session.createdAt))))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function rawFileMetadata(file: PushedFile): RawFileMetadata {
  return {
    mimetype: file.mimeType,
    accounts: file.accounts.map((a) => ({ accountid: a.accountId })),
    ...(file.reference && { reference: file.reference }),
    ...(file.tags && { tags: file.tags }),
    appid: file.appId,
    contractid: file.contractId,
    created: file.createdAt,
  };
}
