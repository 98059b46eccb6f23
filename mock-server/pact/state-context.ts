/**
 * What the provider states of the interaction being verified produced, shared by the state
 * handlers (which write it) and the request filter (which reads it). Pact verifies one
 * interaction at a time (set-up, request, tear-down), so one context per verification suffices.
 */
import type { DigimeStateValues } from './states.js';

/** Request-JWT claims a state can supply; the filter swaps them into the recorded request. */
export type StateClaims = {
  access_token?: string;
  refresh_token?: string;
  code?: string;
  code_verifier?: string;
};

export class ProviderStateContext {
  #claims: StateClaims = {};
  #values: DigimeStateValues = {};
  #failures: string[] = [];

  /** Claims for the replayed request JWT, from every state of the current interaction. */
  get claims(): Readonly<StateClaims> {
    return this.#claims;
  }

  /** Values for `fromProviderState` expressions, from every state of the current interaction. */
  get values(): Readonly<DigimeStateValues> {
    return this.#values;
  }

  /**
   * States of the current interaction that failed to set up. pact-js only logs such a failure and
   * replays the request anyway, so the request filter answers it itself instead (see there).
   */
  get failures(): readonly string[] {
    return this.#failures;
  }

  recordFailure(message: string): void {
    this.#failures = [...this.#failures, message];
  }

  /** Adds what one state produced; a later state of the same interaction wins on a clash. */
  record(produced: { claims?: StateClaims; values?: DigimeStateValues }): void {
    this.#claims = { ...this.#claims, ...definedOnly(produced.claims ?? {}) };
    this.#values = { ...this.#values, ...definedOnly(produced.values ?? {}) };
  }

  /** Forgets everything; called when the interaction's states are torn down. */
  clear(): void {
    this.#claims = {};
    this.#values = {};
    this.#failures = [];
  }
}

function definedOnly<T extends Record<string, unknown>>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}
