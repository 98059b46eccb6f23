/**
 * The data plane (docs/protocol.md §4, §5): a session's file list, its encrypted files and the consent's
 * accounts, over the users' libraries built once at start. Plaintext (serialised and compressed)
 * is cached per file and selection of objects; encryption happens per download, with fresh keys.
 */
import type { CoreContext } from '../context.js';
import { errors } from '../errors.js';
import type { Account, User } from '../model.js';
import type { Consent, DataSession } from '../store.js';
import { accountsView } from './accounts.js';
import type { DataSet } from './data-set.js';
import { compress, encryptForApp } from './encryption.js';
import { buildLibrary, type LibraryFile } from './library.js';
import type { Scenarios, SyncError } from '../model.js';
import { partialError } from './scenarios.js';
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

export interface FileListEntry extends Omit<MappedFileMetadata, 'objectVersion'> {
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

export class DataPlane {
  readonly #ctx: CoreContext;
  readonly #libraries = new Map<string, LibraryFile[]>();
  readonly #selections = new WeakMap<DataSession, { key: string; selections: AccountSelection[] }>();
  readonly #contents = new Map<string, Buffer>();

  constructor(ctx: CoreContext) {
    this.#ctx = ctx;
  }

  /** Builds each user's library from their data sets (validated by `loadDataSets`). */
  load(dataSets: Map<string, DataSet[]>): void {
    this.#libraries.clear();
    this.#contents.clear();
    for (const [userId, sets] of dataSets) {
      const user = this.#ctx.users.get(userId);
      if (user) this.#libraries.set(userId, buildLibrary(user, sets));
    }
  }

  /** The library of a user, in file-name order (empty for users without data). */
  library(userId: string): readonly LibraryFile[] {
    return this.#libraries.get(userId) ?? [];
  }

  /** `GET permission-access/query/<sessionKey>`. */
  fileList(consent: Consent, session: DataSession): FileListResponse {
    const view = this.#sync(consent, session);
    return {
      status: view.details ? { state: view.state, details: view.details } : { state: view.state },
      fileList: view.files.map(({ entry, updatedDate }) => {
        const { objectVersion: _v, ...metadata } = metadataOf(entry);
        return { name: entry.file.name, updatedDate, ...metadata };
      }),
    };
  }

  /** `HEAD permission-access/query/<sessionKey>/<fileName>`. */
  fileHead(consent: Consent, session: DataSession, fileName: unknown): FileHead {
    return this.#head(this.#syncedFile(consent, session, fileName));
  }

  /** `GET permission-access/query/<sessionKey>/<fileName>`: encrypted to the session's app. */
  file(consent: Consent, session: DataSession, fileName: unknown): FileDownload {
    const synced = this.#syncedFile(consent, session, fileName);
    const app = this.#ctx.store.apps.get(session.clientId);
    if (!app) throw errors.notFound('The file');
    return { ...this.#head(synced), data: encryptForApp(this.#content(consent.userId, synced.entry), app.publicKey) };
  }

  /** `GET permission-access/accounts`. */
  accounts(consent: Consent): Account[] {
    const user = this.#ctx.users.get(consent.userId);
    return accountsView(user, consent, (a) => this.#partialError(user, a));
  }

  #partialError(user: User | undefined, account: Account): SyncError | undefined {
    return partialError(account, this.#ctx.config.scenarios, user?.scenarios);
  }

  #selectionsOf(consent: Consent, session: DataSession): AccountSelection[] {
    // Keyed by the consent's accounts too: onboarding a service adds one to a live session.
    const key = consent.accountReferences.join('\n');
    const cached = this.#selections.get(session);
    if (cached?.key === key) return cached.selections;
    const user = this.#ctx.users.get(consent.userId);
    const selections = user
      ? selectFiles(user, this.library(user.id), consent, session, (a) => this.#partialError(user, a))
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
    const key = `${userId}/${file.name}/${runs.map(([a, b]) => `${a}-${b}`).join(',')}`;
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
