/**
 * The command's state file (docs/protocol.md §8.10): the mock's state survives restarts, so a token
 * an app stored keeps working after `npm start` again. At start the file is read whole and
 * restored; a file that cannot be (not JSON, another version, damaged) is moved aside as
 * `<file>.damaged-<time>` with one warning, never deleted and never half-read, and the mock starts
 * empty. While running, the state is written at most about once a second when a call may have
 * changed it, and once more on shutdown; each write goes to a temporary file that is then renamed
 * over the old one, so a reader never sees half a file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { wallClock, type Authority } from './core/index.js';

export type StateLoad = { outcome: 'restored' } | { outcome: 'absent' } | { outcome: 'damaged'; movedTo: string; reason: string };

/** Restores the state file into `authority`, or moves a damaged one aside. */
export function loadStateFile(file: string, authority: Authority, warn: (line: string) => void): StateLoad {
  if (!existsSync(file)) return { outcome: 'absent' };
  let reason: string;
  try {
    authority.restoreState(JSON.parse(readFileSync(file, 'utf8')));
    return { outcome: 'restored' };
  } catch (err) {
    reason = (err as Error).message;
  }
  const movedTo = `${file}.damaged-${new Date(wallClock.now()).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, movedTo);
  warn(`digime-mock: warning: the state in ${file} could not be restored (${reason}); moved it to ${movedTo} and started empty`);
  return { outcome: 'damaged', movedTo, reason };
}

/** Writes `authority`'s state to `file` when it may have changed. */
export class StateWriter {
  readonly #file: string;
  readonly #authority: Authority;
  readonly #onError: (err: Error) => void;
  #saved: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(file: string, authority: Authority, onError: (err: Error) => void) {
    this.#file = file;
    this.#authority = authority;
    this.#onError = onError;
    this.#saved = authority.changes;
  }

  /** Checks every `intervalMs` (default 1 s); the timer never keeps the process alive. */
  start(intervalMs = 1000): this {
    this.#timer ??= setInterval(() => this.flush(), intervalMs).unref();
    return this;
  }

  /** Writes now if anything may have changed since the last write. */
  flush(): void {
    const changes = this.#authority.changes;
    if (changes === this.#saved) return;
    const aside = `${this.#file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      writeFileSync(aside, JSON.stringify(this.#authority.state()), { mode: 0o600 });
      renameSync(aside, this.#file);
      this.#saved = changes;
    } catch (err) {
      try {
        unlinkSync(aside);
      } catch {
        // Nothing was written.
      }
      this.#onError(err as Error);
    }
  }

  /** The last write; no more after it. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
  }
}
