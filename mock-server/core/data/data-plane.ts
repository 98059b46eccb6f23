/**
 * The data plane (docs/protocol.md §4, §5): a session's file list, its encrypted files and the consent's
 * accounts, over the users' libraries built once at start. Plaintext (serialised and compressed)
 * is cached per file and selection of objects; encryption happens per download, with fresh keys.
 */
import type { CoreContext } from '../context.js';
import { errors } from '../errors.js';
import type { Account, User } from '../model.js';
import type { Consent, DataSession, PushedFile } from '../store.js';
import { accountsView } from './accounts.js';
import type { DataSet } from './data-set.js';
import { compress, encryptForApp } from './encryption.js';
import { accountIndex, buildLibrary, type LibraryFile } from './library.js';
import { sampleOrigin } from '../sample-data.js';
import { libraryUser } from '../user-library.js';
import type { Scenarios, SyncError } from '../model.js';
import { consentSyncError } from './scenarios.js';
import { rawFileMetadata, rawFilesOf } from './raw-files.js';
import { selectFiles, type AccountSelection, type SessionFile } from './selection.js';
import { syncView, type AccountSyncDetail, type LibrarySyncState, type SyncedFile } from './sync.js';

/** Mapped-file metadata; `objectVersion` is what Node SDKs before v7 looked for instead of `schema`. */
export interface MappedFileMetadata {
  objectCount: number;
  objectType: string;
  serviceGroup: string;
  serviceName: string;
  schema: { standard: string; version: string; id?: string };
  objectVersion: string;
}

export interface FileListEntry extends Partial<Omit<MappedFileMetadata, 'objectVersion'>> {
  name: string;
  updatedDate: number;
}

export interface FileListResponse {
  status: { state: LibrarySyncState; details?: Record<string, AccountSyncDetail> };
  fileList: FileListEntry[];
}

export interface FileHead {
  /** `x-metadata`: base64url of `{metadata, compression?}`. */
  metadata: string;
  /** `last-modified`: the HTTP date the file was synced. */
  lastModified: string;
}

export interface FileDownload extends FileHead {
  data: Buffer;
}

/** Bound on cached plaintexts; a selection is a file and a time range, so this covers many sessions. */
const CONTENT_CACHE_ENTRIES = 512;

function metadataOf({ file, objectCount }: SessionFile): MappedFileMetadata {
  return {
    objectCount,
    objectType: file.objectTypeName,
    serviceGroup: file.account.serviceGroupName.toLowerCase(),
    serviceName: file.account.serviceTypeReference,
    schema: file.schema,
    objectVersion: file.schema.version,
  };
}

/** A raw file's headers: its metadata (never compressed) and the time it was pushed. */
function rawHead(file: PushedFile): FileHead {
  return {
    metadata: Buffer.from(JSON.stringify({ metadata: rawFileMetadata(file) }), 'utf8').toString('base64url'),
    lastModified: new Date(file.createdAt).toUTCString(),
  };
}

export class DataPlane {
  readonly #ctx: CoreContext;
  readonly #libraries = new Map<string, LibraryFile[]>();
  readonly #dataSets = new Map<string, DataSet[]>();
  /** Sample accounts' files, by `<user>/<account>/<accountIndex>` (the index is in the names). */
  readonly #sampleLibraries = new Map<string, LibraryFile[]>();
  readonly #selections = new WeakMap<DataSession, { key: string; selections: AccountSelection[] }>();
  readonly #contents = new Map<string, Buffer>();

  constructor(ctx: CoreContext) {
    this.#ctx = ctx;
  }

  /** Builds each user's library from their data sets (validated by `loadDataSets`). */
  load(dataSets: Map<string, DataSet[]>): void {
    this.#libraries.clear();
    this.#sampleLibraries.clear();
    this.#contents.clear();
    this.#dataSets.clear();
    for (const [userId, sets] of dataSets) {
      const user = this.#ctx.users.get(userId);
      if (!user) continue;
      this.#libraries.set(userId, buildLibrary(user, sets));
      this.#dataSets.set(userId, [...sets]);
    }
  }

  /**
   * A user made at run time: another user's data sets, each bound to the new user's account that
   * `accountIds` maps the original's to (runtime-users.ts).
   */
  copyLibrary(user: User, fromUserId: string, accountIds: ReadonlyMap<string, string>): void {
    const sets = (this.#dataSets.get(fromUserId) ?? []).flatMap((set) => {
      const account = user.accounts.find((a) => a.id === accountIds.get(set.accountRecord.id));
      return account ? [{ ...set, accountRecord: account }] : [];
    });
    this.forget(user.id);
    this.#libraries.set(user.id, buildLibrary(user, sets));
    this.#dataSets.set(user.id, sets);
  }

  /** Drops a user's library and what was built from it. */
  forget(userId: string): void {
    this.#libraries.delete(userId);
    this.#dataSets.delete(userId);
    for (const key of this.#sampleLibraries.keys()) if (key.startsWith(`${userId}/`)) this.#sampleLibraries.delete(key);
    // Cached contents are keyed by user id, which a new user may take again.
    this.#contents.clear();
  }

  /**
   * The files of a user's library (libraryUser): their own, then each sample account's, named
   * as files of that user's account (its index among the user's accounts of the service type).
   */
  #libraryFiles(user: User): readonly LibraryFile[] {
    const own = this.library(user.id);
    const samples = user.accounts.flatMap((account) => {
      const origin = sampleOrigin(this.#ctx, user.id, account.id);
      if (!origin) return [];
      const key = `${user.id}/${account.id}/${accountIndex(user, account)}`;
      let files = this.#sampleLibraries.get(key);
      if (!files) {
        const sets = (this.#dataSets.get(origin.dataUserId) ?? [])
          .filter((set) => set.accountRecord.id === origin.dataAccountId)
          .map((set) => ({ ...set, accountRecord: account }));
        files = buildLibrary(user, sets);
        this.#sampleLibraries.set(key, files);
      }
      return files;
    });
    return samples.length ? [...own, ...samples] : own;
  }

  /** The library of a user, in file-name order (empty for users without data). */
  library(userId: string): readonly LibraryFile[] {
    return this.#libraries.get(userId) ?? [];
  }

  /** `GET permission-access/query/<sessionKey>`. */
  fileList(consent: Consent, session: DataSession): FileListResponse {
    const view = this.#sync(consent, session);
    const mapped: FileListEntry[] = view.files.map(({ entry, updatedDate }) => {
      const { objectVersion: _v, ...metadata } = metadataOf(entry);
      return { name: entry.file.name, updatedDate, ...metadata };
    });
    // Raw files list only their name and time; like every file, not while the sync is pending.
    const raw = view.state === 'pending' ? [] : this.#rawFiles(consent, session).map((f) => ({ name: f.name, updatedDate: f.createdAt }));
    return {
      status: view.details ? { state: view.state, details: view.details } : { state: view.state },
      fileList: raw.length ? [...mapped, ...raw].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : mapped,
    };
  }

  /** `HEAD permission-access/query/<sessionKey>/<fileName>`. */
  fileHead(consent: Consent, session: DataSession, fileName: unknown): FileHead {
    const raw = this.#rawFile(consent, session, fileName);
    if (raw) return rawHead(raw);
    return this.#head(this.#syncedFile(consent, session, fileName));
  }

  /** `GET permission-access/query/<sessionKey>/<fileName>`: encrypted to the session's app. */
  file(consent: Consent, session: DataSession, fileName: unknown): FileDownload {
    const raw = this.#rawFile(consent, session, fileName);
    const synced = raw ?? this.#syncedFile(consent, session, fileName);
    const app = this.#ctx.store.apps.get(session.clientId);
    if (!app) throw errors.notFound('The file');
    if ('data' in synced) return { ...rawHead(synced), data: encryptForApp(Buffer.from(synced.data), app.publicKey) };
    return { ...this.#head(synced), data: encryptForApp(this.#content(consent.userId, synced.entry), app.publicKey) };
  }

  /** `GET permission-access/accounts`. */
  accounts(consent: Consent): Account[] {
    const user = libraryUser(this.#ctx, consent.userId);
    return accountsView(user, consent, (a) => this.#partialError(user, consent, a));
  }

  /** The raw files (pushed to the library) this session lists. */
  #rawFiles(consent: Consent, session: DataSession): PushedFile[] {
    return rawFilesOf(this.#ctx.store.pushedFiles.values(), this.#ctx.store.apps.get(session.clientId), consent, session);
  }

  /** A raw file the session lists by now, by name. */
  #rawFile(consent: Consent, session: DataSession, fileName: unknown): PushedFile | undefined {
    if (typeof fileName !== 'string' || !this.#ctx.store.pushedFiles.has(fileName)) return undefined;
    if (this.#sync(consent, session).state === 'pending') return undefined;
    return this.#rawFiles(consent, session).find((f) => f.name === fileName);
  }

  #partialError(user: User | undefined, consent: Consent, account: Account): SyncError | undefined {
    return consentSyncError(consent, account, this.#ctx.config.scenarios, user?.scenarios);
  }

  #selectionsOf(consent: Consent, session: DataSession): AccountSelection[] {
    // Keyed by the consent's accounts and decisions too: onboarding, deleting, withdrawing and
    // re-authorising an account change what a live session syncs.
    // And by the user's scenarios, which the admin API may change at run time.
    const scenarios = JSON.stringify(this.#ctx.users.get(consent.userId)?.scenarios ?? null);
    const key = `${consent.accountReferences.join('\n')}\n${JSON.stringify(consent.accountAuthorizations ?? {})}\n${scenarios}`;
    const cached = this.#selections.get(session);
    if (cached?.key === key) return cached.selections;
    const user = libraryUser(this.#ctx, consent.userId);
    const excluded = session.excludedAccounts ?? [];
    const selections = user
      ? selectFiles(user, this.#libraryFiles(user), consent, session, (a) => this.#partialError(user, consent, a)).filter(
          (s) => !excluded.includes(s.account.reference),
        )
      : [];
    this.#selections.set(session, { key, selections });
    return selections;
  }

  #sync(consent: Consent, session: DataSession) {
    const { sync } = this.#ctx.config;
    const { options } = session;
    // `sourceFetch: false` reads the library as it is, without syncing the sources.
    const fetches = options.sourceFetch !== false;
    const limit = options.limits?.duration?.sourceFetch;
    const runningSeconds = limit !== undefined && limit >= 0 ? Math.min(sync.runningSeconds, limit) : sync.runningSeconds;
    return syncView(
      this.#selectionsOf(consent, session),
      {
        start: session.createdAt,
        pendingMs: fetches ? sync.pendingSeconds * 1000 : 0,
        runningMs: fetches ? runningSeconds * 1000 : 0,
      },
      this.#ctx.clock.now(),
    );
  }

  /** A file the session has synced by now, or 404 NotFound (unknown, out of scope, not yet synced). */
  #syncedFile(consent: Consent, session: DataSession, fileName: unknown): SyncedFile {
    const synced =
      typeof fileName === 'string'
        ? this.#sync(consent, session).files.find((f) => f.entry.file.name === fileName)
        : undefined;
    if (!synced) throw errors.notFound('The file');
    return synced;
  }

  #head({ entry, updatedDate }: SyncedFile): FileHead {
    const { compression } = entry.file;
    const header = compression === 'none' ? { metadata: metadataOf(entry) } : { metadata: metadataOf(entry), compression };
    return {
      metadata: Buffer.from(JSON.stringify(header), 'utf8').toString('base64url'),
      lastModified: new Date(updatedDate).toUTCString(),
    };
  }

  /** The file's JSON array of objects in scope, compressed as the file says; cached. */
  #content(userId: string, { file, runs }: SessionFile): Buffer {
    const key = `${userId}/${file.account.id}/${file.name}/${runs.map(([a, b]) => `${a}-${b}`).join(',')}`;
    const hit = this.#contents.get(key);
    if (hit) {
      // Most recently used last, so the oldest goes first.
      this.#contents.delete(key);
      this.#contents.set(key, hit);
      return hit;
    }
    const objects = runs.flatMap(([a, b]) => file.objects.slice(a, b));
    const content = compress(Buffer.from(JSON.stringify(objects), 'utf8'), file.compression);
    this.#contents.set(key, content);
    if (this.#contents.size > CONTENT_CACHE_ENTRIES) this.#contents.delete(this.#contents.keys().next().value!);
    return content;
  }
}
