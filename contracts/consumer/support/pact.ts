/** Running a consumer scenario against Pact mocks of digi.me. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PactV4, type V3MockServer } from '@pact-foundation/pact';
import { makeConsumerPact } from '@pact-foundation/pact-core';
import { CONSUMER, PACT_FILE, PACTS_DIR, PROVIDER } from '../../names.js';
import type { Interaction } from './interactions.js';

/**
 * Asks a Pact mock (by port) whether every interaction was met. pact-js's own instance is private;
 * the question goes to pact-core by port, so any handle will do (pact-js depends on pact-core).
 */
const mockServers = makeConsumerPact(CONSUMER, PROVIDER);

/** Event-loop turns to wait for the mock to note the last request (far more than it ever takes). */
const MATCH_TURNS = 1_000_000;

/**
 * Waits until the mock at `url` has noted every request it answered. It notes a match on its own
 * thread, after the answer may already have reached the client, and pact-js asks for the result as
 * soon as the test returns: without this wait, a scenario whose last request was answered a moment
 * ago can fail with "expected but not received". Gives up after `MATCH_TURNS` turns, leaving
 * pact-js to report what is missing.
 */
async function settleMatches(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  for (let turn = 0; turn < MATCH_TURNS && !mockServers.mockServerMatchedSuccessfully(port); turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Removes the pact file, so that a run writes exactly the interactions its tests record. */
export function resetPactFile(): void {
  rmSync(PACT_FILE, { force: true });
}

/**
 * Starts a Pact mock with `interactions`, runs `test` against it, and (when every interaction was
 * met and nothing else was asked) merges them into the pact file.
 */
export async function withPactMock<T>(interactions: Interaction[], test: (mock: V3MockServer) => Promise<T>): Promise<T> {
  const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: PACTS_DIR, logLevel: 'warn' });
  const described = interactions.map((interaction) => interaction(pact));
  const last = described.at(-1);
  if (!last) throw new Error('withPactMock needs at least one interaction');
  return (await last.executeTest(async (mock) => {
    const value = await test(mock);
    await settleMatches(mock.url);
    return value;
  })) as T;
}

/**
 * Leaves the pact file with each interaction once, in a stable order. Needed because pact-core's
 * merge (each `executeTest` merges into the file) pairs interactions by walking two lists it
 * assumes sorted by provider state, then description, which the file is not: an interaction that
 * several tests record can come out twice (an instance of pact-foundation/pact-reference#389).
 * Two different definitions under one description and state are a real conflict, and fail.
 */
export function normalizePactFile(file = PACT_FILE): void {
  if (!existsSync(file)) return;
  const pact = JSON.parse(readFileSync(file, 'utf8')) as { interactions: { description: string; providerStates?: unknown }[] };
  const unique = new Map<string, unknown>();
  for (const interaction of pact.interactions) {
    const key = JSON.stringify([interaction.description, interaction.providerStates ?? []]);
    const seen = unique.get(key);
    if (seen === undefined) unique.set(key, interaction);
    else if (JSON.stringify(seen) !== JSON.stringify(interaction)) {
      throw new Error(`The pact has two different interactions "${interaction.description}" with the same provider states`);
    }
  }
  pact.interactions = [...unique.keys()].sort().map((key) => unique.get(key) as (typeof pact.interactions)[number]);
  // The layout pact-core writes (serde's pretty printer), so the file only changes when the contract does.
  writeFileSync(file, JSON.stringify(pact, null, 2));
}
