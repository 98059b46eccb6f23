/**
 * The provider side of our pact: the real Express mock server on an ephemeral port, the provider
 * kit set up for the demo app, and a verification run that reports per interaction.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { startMockServer, type RunningMockServer } from '../../../mock-server/index.js';
import { PACT_FILE, PROVIDER } from '../../names.js';
import { createDigimeProviderKit, type DigimeProviderKit } from '../../../mock-server/pact/index.js';

export const DEMO_APP = {
  appId: 'demo-app',
  contractId: 'demo-ongoing',
  privateKey: readFileSync(fileURLToPath(new URL('../../../fixtures/apps/demo-app.private.TEST-ONLY.pem', import.meta.url)), 'utf8'),
};

export interface Provider {
  server: RunningMockServer;
  kit: DigimeProviderKit;
  close(): Promise<void>;
}

/**
 * The mock server as `npm start` runs it (fixtures, Express), on a free port, with a throwaway
 * signing key, and the provider kit for the demo app.
 */
export async function startProvider(): Promise<Provider> {
  const server = await startMockServer({
    port: 0,
    logLevel: 'silent',
    keyFile: join(mkdtempSync(join(tmpdir(), 'digime-pact-provider-')), 'signing-key.pem'),
  });
  const kit = createDigimeProviderKit(server.authority, { app: DEMO_APP, pactFiles: [PACT_FILE], baseUrl: server.baseUrl });
  return { server, kit, close: () => server.close() };
}

/** An interaction that failed verification, from pact-core's JSON report. */
export interface FailedInteraction {
  /** pact-core's name for it: "Verifying a pact between … Given <state> - <description>". */
  interaction: string;
  /** The interaction's description alone. */
  description: string;
  /** What did not match, as pact-core words it. */
  mismatches: string[];
}

export interface VerificationOutcome {
  passed: boolean;
  failures: FailedInteraction[];
}

interface PactCoreReport {
  result?: boolean;
  errors?: {
    interaction: string;
    mismatch?: { message?: string; mismatches?: { mismatch?: string; path?: string }[] };
  }[];
}

/**
 * Runs pact-js `Verifier` against `provider` and returns what failed, whether verification passed
 * or not (pact-js resolves with pact-core's JSON report, or rejects with it as the message).
 */
export async function verify(provider: Provider, source: Partial<VerifierOptions>): Promise<VerificationOutcome> {
  const verifier = new Verifier({
    provider: PROVIDER,
    providerBaseUrl: provider.server.url,
    stateHandlers: provider.kit.stateHandlers,
    requestFilter: provider.kit.requestFilter,
    logLevel: 'warn',
    ...source,
  });
  let report: string;
  try {
    report = String(await verifier.verifyProvider());
  } catch (error) {
    report = (error as Error).message;
  }
  let parsed: PactCoreReport;
  try {
    parsed = JSON.parse(report) as PactCoreReport;
  } catch {
    throw new Error(`Verification did not run: ${report}`);
  }
  const failures = new Map<string, string[]>();
  for (const { interaction, mismatch } of parsed.errors ?? []) {
    const details = mismatch?.mismatches?.map((m) => `${m.path ?? ''} ${m.mismatch ?? ''}`.trim()) ?? [];
    failures.set(interaction, [...(failures.get(interaction) ?? []), ...(details.length ? details : [mismatch?.message ?? ''])]);
  }
  return {
    passed: parsed.result === true,
    failures: [...failures].map(([interaction, mismatches]) => ({
      interaction,
      description: interaction.slice(interaction.indexOf(' - ') + 3),
      mismatches,
    })),
  };
}
