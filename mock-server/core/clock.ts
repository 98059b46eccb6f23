/**
 * The two clocks of the mock (docs/protocol.md §8).
 *
 * - The mock clock decides every lifetime: codes, tokens, sessions, sync progress. Tests and the
 *   admin API move it (advance, set, freeze).
 * - The wall clock checks request-JWT timestamps, because clients sign with their own real time even
 *   after a test has moved the mock clock by weeks.
 *
 * This module is the only place that reads the machine's time.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const wallClock: Clock = { now: () => Date.now() };

/** The range a JavaScript Date can hold: ±100,000,000 days around 1970. */
export const MAX_TIME_MS = 8.64e15;

export class ClockRangeError extends RangeError {
  constructor() {
    super('The clock cannot be moved outside the range of dates (±275,000 years around 1970)');
    this.name = 'ClockRangeError';
  }
}

function checked(ms: number): number {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) throw new ClockRangeError();
  return ms;
}

export interface ClockState {
  now: string;
  nowMs: number;
  frozen: boolean;
  /** How far the mock clock is ahead of the wall clock, in milliseconds. */
  offsetMs: number;
}

export class MockClock implements Clock {
  #offset = 0;
  #frozenAt: number | undefined;
  readonly #source: Clock;

  constructor(options: { source?: Clock; start?: number; frozen?: boolean } = {}) {
    this.#source = options.source ?? wallClock;
    if (options.start !== undefined) this.#offset = options.start - this.#source.now();
    if (options.frozen) this.#frozenAt = this.now();
  }

  now(): number {
    return this.#frozenAt ?? this.#source.now() + this.#offset;
  }

  /** Moves the clock forward (or back, with a negative number) by whole or fractional seconds. */
  advance(seconds: number): ClockState {
    const ms = Math.round(seconds * 1000);
    checked(this.now() + ms);
    // Added to what is kept, not re-derived from a second reading of the source, so that a move
    // by exactly one hour is exactly one hour however long the reading took.
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.#offset += ms;
    return this.state();
  }

  /** Sets the time; a time no Date can hold throws ClockRangeError and changes nothing. */
  set(epochMs: number): ClockState {
    checked(epochMs);
    if (this.#frozenAt !== undefined) this.#frozenAt = epochMs;
    else this.#offset = epochMs - this.#source.now();
    return this.state();
  }

  freeze(frozen: boolean): ClockState {
    if (frozen && this.#frozenAt === undefined) this.#frozenAt = this.now();
    if (!frozen && this.#frozenAt !== undefined) {
      this.#offset = this.#frozenAt - this.#source.now();
      this.#frozenAt = undefined;
    }
    return this.state();
  }

  /** Puts the clock back as saved: a running clock at its offset from real time, a frozen one at its time. */
  restore(saved: { nowMs: number; offsetMs: number; frozen: boolean }): ClockState {
    checked(saved.frozen ? saved.nowMs : this.#source.now() + checked(saved.offsetMs));
    this.#offset = saved.offsetMs;
    this.#frozenAt = saved.frozen ? saved.nowMs : undefined;
    return this.state();
  }

  /** Back to real time, unfrozen. */
  reset(): ClockState {
    this.#offset = 0;
    this.#frozenAt = undefined;
    return this.state();
  }

  state(): ClockState {
    // One reading of the source, so that a running clock reports exactly the offset it keeps.
    const real = this.#source.now();
    const nowMs = this.#frozenAt ?? real + this.#offset;
    return {
      now: new Date(nowMs).toISOString(),
      nowMs,
      frozen: this.#frozenAt !== undefined,
      offsetMs: nowMs - real,
    };
  }
}

export interface ClockChange {
  reset?: boolean;
  /** An ISO 8601 time. */
  set?: string;
  /** Seconds, negative to go back. */
  advance?: number;
  freeze?: boolean;
}

/**
 * Moves a mock clock, in this order: reset, freeze, set, advance, unfreeze. A change that would leave the
 * range of dates is refused as a whole: the clock stays where it was and ClockRangeError is thrown.
 */
export function changeClock(clock: MockClock, change: ClockChange): ClockState {
  const before = clock.state();
  try {
    if (change.reset) clock.reset();
    // Frozen before it moves, so that a frozen clock shows exactly the time it was set to.
    if (change.freeze === true) clock.freeze(true);
    if (change.set !== undefined) clock.set(Date.parse(change.set));
    if (change.advance !== undefined) clock.advance(change.advance);
  } catch (err) {
    clock.freeze(before.frozen);
    clock.set(before.nowMs);
    throw err;
  }
  if (change.freeze === false) clock.freeze(false);
  return clock.state();
}
