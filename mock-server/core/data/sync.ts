/**
 * A session's sync as the mock clock sees it (docs/protocol.md §5, §8): `pending` for `sync.pendingSeconds`,
 * then `running` for `sync.runningSeconds`, then `completed` — or `partial` when an account's sync
 * fails. While running, every account syncs its files in name order, spread evenly over the run,
 * so the file list grows and each file's `updatedDate` is the moment it was synced. An account
 * that fails syncs the first half of its files (rounded down) and stops.
 */
import type { AccountSelection, SessionFile } from './selection.js';
import type { SyncError } from '../model.js';

export type LibrarySyncState = 'pending' | 'running' | 'partial' | 'completed';

export type AccountSyncDetail =
  | { state: 'running' }
  | { state: 'completed' }
  | { state: 'partial'; error: SyncError };

export interface SyncTiming {
  /** When the session started (Unix ms). */
  start: number;
  pendingMs: number;
  runningMs: number;
}

export interface SyncedFile {
  entry: SessionFile;
  /** When it was synced (Unix ms). */
  updatedDate: number;
}

export interface SyncView {
  state: LibrarySyncState;
  /** Per account id; absent while pending. */
  details?: Record<string, AccountSyncDetail>;
  /** The files synced by now, in name order. */
  files: SyncedFile[];
}

/** The files an account will have synced by the end, with their sync times. */
function schedule(selection: AccountSelection, t: SyncTiming): SyncedFile[] {
  const n = selection.files.length;
  const synced = selection.error ? Math.floor(n / 2) : n;
  const runStart = t.start + t.pendingMs;
  return selection.files
    .slice(0, synced)
    .map((entry, i) => ({ entry, updatedDate: Math.round(runStart + (t.runningMs * (i + 1)) / (n + 1)) }));
}

export function syncView(selections: readonly AccountSelection[], t: SyncTiming, now: number): SyncView {
  if (now < t.start + t.pendingMs) return { state: 'pending', files: [] };
  const running = now < t.start + t.pendingMs + t.runningMs;
  const details: Record<string, AccountSyncDetail> = {};
  const files: SyncedFile[] = [];
  let partial = false;
  for (const selection of selections) {
    for (const f of schedule(selection, t)) if (f.updatedDate <= now) files.push(f);
    if (running) details[selection.account.id] = { state: 'running' };
    else if (selection.error) {
      partial = true;
      details[selection.account.id] = { state: 'partial', error: selection.error };
    } else details[selection.account.id] = { state: 'completed' };
  }
  files.sort((a, b) => (a.entry.file.name < b.entry.file.name ? -1 : a.entry.file.name > b.entry.file.name ? 1 : 0));
  return { state: running ? 'running' : partial ? 'partial' : 'completed', details, files };
}
