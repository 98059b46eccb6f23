/**
 * Publishes the pact files in contracts/pacts/ to a Pact Broker (or PactFlow), through the
 * broker's "publish contracts" API (the one the official CLI uses): one call per pact with the
 * consumer version, branch and tags. pact-js 16 ships no CLI of its own, hence this script.
 *
 *   PACT_BROKER_BASE_URL=https://broker.example PACT_BROKER_TOKEN=… npx tsx scripts/pact-publish.ts
 *
 * Environment:
 *   PACT_BROKER_BASE_URL      the broker (required)
 *   PACT_BROKER_TOKEN         a bearer token, or
 *   PACT_BROKER_USERNAME, PACT_BROKER_PASSWORD   basic auth
 *   PACT_CONSUMER_VERSION     default: the git commit (`git rev-parse HEAD`)
 *   PACT_CONSUMER_BRANCH      default: the git branch
 *   PACT_CONSUMER_TAGS        optional, comma-separated
 *   PACT_BUILD_URL            optional, the CI run that produced the pacts
 *
 * Flags: --dry-run prints what would be sent and sends nothing; --dir <folder> publishes
 * another folder's *.json.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACTS_DIR } from '../contracts/names.js';

interface PactFile {
  consumer: { name: string };
  provider: { name: string };
}

function git(...args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function authHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.PACT_BROKER_TOKEN) return { authorization: `Bearer ${env.PACT_BROKER_TOKEN}` };
  if (env.PACT_BROKER_USERNAME) {
    const basic = Buffer.from(`${env.PACT_BROKER_USERNAME}:${env.PACT_BROKER_PASSWORD ?? ''}`).toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

/** The broker's `pb:publish-contracts` relation, from its index (HAL). */
async function publishUrl(base: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(base, { headers: { ...headers, accept: 'application/hal+json' } });
  if (!response.ok) throw new Error(`GET ${base} answered ${response.status} ${response.statusText}`);
  const index = (await response.json()) as { _links?: Record<string, { href?: string }> };
  const href = index._links?.['pb:publish-contracts']?.href;
  if (!href) throw new Error(`${base} has no pb:publish-contracts relation (Pact Broker 2.86 or later is needed)`);
  return href;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'dry-run': { type: 'boolean', default: false }, dir: { type: 'string', default: PACTS_DIR } },
  });
  const env = process.env;
  const base = env.PACT_BROKER_BASE_URL?.replace(/\/+$/, '');
  if (!base && !values['dry-run']) throw new Error('PACT_BROKER_BASE_URL is not set');

  const version = env.PACT_CONSUMER_VERSION || git('rev-parse', 'HEAD');
  if (!version) throw new Error('PACT_CONSUMER_VERSION is not set and there is no git commit to use');
  const branch = env.PACT_CONSUMER_BRANCH || git('rev-parse', '--abbrev-ref', 'HEAD');
  if (!env.PACT_CONSUMER_VERSION && git('status', '--porcelain')) {
    console.warn(`warning: the working tree has changes; publishing them as version ${version}`);
  }
  const tags = (env.PACT_CONSUMER_TAGS ?? '').split(',').map((t) => t.trim()).filter(Boolean);

  const files = readdirSync(values.dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`No pact files in ${values.dir}; run npm run test:contracts first`);

  const headers = authHeaders(env);
  const url = values['dry-run'] ? `${base ?? '<PACT_BROKER_BASE_URL>'}/contracts/publish` : await publishUrl(base!, headers);
  for (const file of files) {
    const content = readFileSync(join(values.dir, file), 'utf8');
    const pact = JSON.parse(content) as PactFile;
    const body = {
      pacticipantName: pact.consumer.name,
      pacticipantVersionNumber: version,
      ...(branch && branch !== 'HEAD' ? { branch } : {}),
      ...(tags.length ? { tags } : {}),
      ...(env.PACT_BUILD_URL ? { buildUrl: env.PACT_BUILD_URL } : {}),
      contracts: [
        {
          consumerName: pact.consumer.name,
          providerName: pact.provider.name,
          specification: 'pact',
          contentType: 'application/json',
          content: Buffer.from(content, 'utf8').toString('base64'),
        },
      ],
    };
    const what = `${pact.consumer.name} → ${pact.provider.name} (${file}) as ${pact.consumer.name} ${version}${branch ? ` on ${branch}` : ''}`;
    if (values['dry-run']) {
      console.log(`would POST ${url}: ${what}`);
      console.log(JSON.stringify({ ...body, contracts: body.contracts.map((c) => ({ ...c, content: `<${c.content.length} base64 characters>` })) }, null, 2));
      continue;
    }
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/hal+json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Publishing ${what} failed: ${response.status} ${response.statusText}\n${text}`);
    console.log(`published ${what}`);
    try {
      for (const notice of (JSON.parse(text) as { notices?: { text?: string }[] }).notices ?? []) {
        if (notice.text) console.log(`  ${notice.text}`);
      }
    } catch {
      // A broker that answers without notices is fine.
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
