/**
 * The two packages as an app team gets them: packed as `npm publish` would pack them, installed
 * from the tarballs into a scratch app outside the repository (with msw, vitest and TypeScript at
 * the versions this repository pins), and used there by their public names only: a type check of
 * every public subpath, an Ongoing Access flow through the SDK against the msw handlers, and
 * `npx digime-mock`. The SDK is also installed alone, to see what it brings with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pinned = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
const at = (name: string) => `${name}@${pinned[name]}`;
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];

/** The environment of a command run as a user would run it: without this test run's npm and vitest settings. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(key)),
) as NodeJS.ProcessEnv;

interface Ran {
  code: number | null;
  output: string;
}

/** Runs a command to its end; a non-zero exit fails with everything it printed. */
function run(command: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise({ code, output });
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${output}`));
    });
  });
}

const gitStatus = async () => {
  try {
    return new Set((await run('git', ['status', '--porcelain', '--untracked-files=all'], root)).output.split('\n').filter(Boolean));
  } catch {
    return undefined; // not a git checkout
  }
};

/** Every package installed under a node_modules folder, by name. */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(path)) {
        names.push(`${entry.name}/${scoped}`);
        names.push(...nested(join(path, scoped)));
      }
    } else {
      names.push(entry.name);
      names.push(...nested(path));
    }
  }
  return names;
}
const nested = (pkg: string) => {
  try {
    return installedPackages(join(pkg, 'node_modules'));
  } catch {
    return [];
  }
};

const tarList = async (tarball: string) => (await run('tar', ['-tzf', tarball], dirname(tarball))).output.split('\n').filter(Boolean);

let work: string;
let app: string;
let sdkOnly: string;
let mockOnly: string;
let tarballs: { mock: string; sdk: string };
let statusBefore: Set<string> | undefined;

const TYPES_FILE = `
import { Authority, startMockServer, type MockConfigInput, type RunningMockServer } from 'digime-mock';
import { createDigimeHandlers, createDigimeMock, type DigimeMock } from 'digime-mock/msw';
import { createDigimeProviderKit, DIGIME_STATES, pactSourceFromEnv, type DigimeProviderKit } from 'digime-mock/pact';
import { AdminRequestError, createAdminClient, type AdminClient, type ClockState } from 'digime-mock/admin';
import { createAutoConsentHandler, createDigimeClient, DigimeError, type DigimeClient, type OAuthToken } from 'digime-sdk-ts';

export async function everySubpath(): Promise<void> {
  const config: MockConfigInput = { port: 0, logLevel: 'silent', ttl: { accessToken: 60 } };
  const server: RunningMockServer = await startMockServer(config);
  const authority: Authority = server.authority;
  const handlers = createDigimeHandlers(authority, { baseUrl: server.baseUrl, onboardUrl: server.onboardUrl });
  const mock: DigimeMock = await createDigimeMock();
  const admin: AdminClient = createAdminClient(server.url, { token: 'secret' });
  const clock: ClockState = await admin.changeClock({ advance: 86_401 });
  const counted: number = (await admin.expireTokens({ token: 'access', userId: 'demo' })).expired;
  const kit: DigimeProviderKit = createDigimeProviderKit(authority, { app: { appId: 'demo-app', contractId: 'demo-ongoing', privateKey: 'pem' } });
  const client: DigimeClient = createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey: 'pem',
    redirectUri: 'https://my.app/callback',
    consentHandler: createAutoConsentHandler(),
  });
  const stored: OAuthToken | undefined = undefined;
  // The types are the packages' own, not any: each line below must be refused.
  // @ts-expect-error the clock moves by a number of seconds
  await admin.changeClock({ advance: 'a day' });
  // @ts-expect-error no such token kind
  await mock.expireTokens({ token: 'id' });
  // @ts-expect-error the SDK client needs its app
  createDigimeClient({});
  // @ts-expect-error an admin error's status is a number
  const status: string = new AdminRequestError('GET /__admin/clock', 500, undefined, 'x').status;
  console.log(handlers.length, clock.now, counted, kit.stateHandlers, client, stored, DIGIME_STATES, pactSourceFromEnv([]), DigimeError, status);
  await server.close();
}
`;

const FLOW_TEST = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Authority } from 'digime-mock';
import { createDigimeMock } from 'digime-mock/msw';
import { createDigimeProviderKit } from 'digime-mock/pact';
import { createAutoConsentHandler, createDigimeClient } from 'digime-sdk-ts';

const demoKey = join(dirname(createRequire(import.meta.url).resolve('digime-mock/package.json')), 'fixtures/apps/demo-app.private.TEST-ONLY.pem');
const mock = await createDigimeMock();
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

it('consents, refreshes when the mock clock has expired the access token, and reads decrypted files', async () => {
  const changes: string[] = [];
  const client = createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey: readFileSync(demoKey, 'utf8'),
    redirectUri: 'https://my.app/callback',
    consentHandler: createAutoConsentHandler(),
    onTokenChange: ({ reason }) => void changes.push(reason),
    // The SDK's waits between polls of the sync pass on the mock's clock.
    sleep: async (ms) => void mock.clock.advance(ms / 1000),
  });

  const first = await client.authorizeOngoingAccess({});
  expect(first.consented).toBe(true);

  mock.clock.advance(24 * 3600 + 1);
  const second = await client.authorizeOngoingAccess({ oAuthToken: first.oAuthToken });
  expect(second.consented).toBe(false);
  expect(second.oAuthToken.accessToken.value).not.toBe(first.oAuthToken.accessToken.value);
  expect(second.oAuthToken.refreshToken.value).toBe(first.oAuthToken.refreshToken.value);
  expect(changes).toEqual(['consent', 'refresh']);

  const { files, failures, status } = await client.readAllFiles({ sessionKey: second.session.key, oAuthToken: second.oAuthToken });
  expect(failures).toEqual([]);
  expect(status.state).toBe('completed');
  expect(files.length).toBeGreaterThan(3);
  const plays = files.filter((f) => f.metadata.objectType === 'playhistory');
  expect(plays.length).toBeGreaterThan(0);
  expect(Array.isArray(plays[0]!.data)).toBe(true);
  expect((plays[0]!.data as unknown[]).length).toBeGreaterThan(0);
});

it('shares one core between the entries: an Authority of digime-mock is the one msw and the kit use', async () => {
  expect(mock.authority).toBeInstanceOf(Authority);
  const authority = await Authority.create({ logLevel: 'silent' });
  const kit = createDigimeProviderKit(authority, { app: { appId: 'demo-app', contractId: 'demo-ongoing', privateKey: readFileSync(demoKey, 'utf8') } });
  expect(Object.keys(kit.stateHandlers).length).toBeGreaterThan(0);
});
`;

beforeAll(async () => {
  statusBefore = await gitStatus();
  work = mkdtempSync(join(tmpdir(), 'digime-install-'));
  const packs = join(work, 'packs');
  app = join(work, 'app');
  sdkOnly = join(work, 'sdk-only');
  mockOnly = join(work, 'mock-only');
  for (const dir of [packs, app, sdkOnly, mockOnly]) mkdirSync(dir);

  // `npm pack` runs each package's prepare, which builds its dist/.
  await Promise.all([run('npm', ['pack', '--pack-destination', packs], root), run('npm', ['pack', '--pack-destination', packs], join(root, 'sdk'))]);
  const packed = readdirSync(packs);
  const find = (pattern: RegExp) => join(packs, packed.find((f) => pattern.test(f)) ?? `(no ${pattern} in ${packed.join(', ')})`);
  tarballs = { mock: find(/^digime-mock-\d.*\.tgz$/), sdk: find(/^digime-sdk-ts-\d.*\.tgz$/) };

  const manifest = (name: string) => JSON.stringify({ name, private: true, type: 'module' }, null, 2);
  writeFileSync(join(app, 'package.json'), manifest('scratch-app'));
  writeFileSync(join(sdkOnly, 'package.json'), manifest('scratch-sdk-only'));
  writeFileSync(join(mockOnly, 'package.json'), manifest('scratch-mock-only'));
  await Promise.all([
    run(
      'npm',
      [
        'install',
        tarballs.mock,
        tarballs.sdk,
        // What an app that uses every subpath has: msw for ./msw, pact for ./pact's types (and
        // Express's, which pact's own types need), and playwright-core for the types of the
        // SDK's browser consent handler.
        at('msw'),
        at('@pact-foundation/pact'),
        at('@types/express'),
        at('playwright-core'),
        at('vitest'),
        at('typescript'),
        at('@types/node'),
        ...NPM_FLAGS,
      ],
      app,
    ),
    run('npm', ['install', tarballs.sdk, ...NPM_FLAGS], sdkOnly),
    run('npm', ['install', tarballs.mock, ...NPM_FLAGS], mockOnly),
  ]);

  mkdirSync(join(app, 'src'));
  mkdirSync(join(app, 'test'));
  writeFileSync(join(app, 'src/every-subpath.ts'), TYPES_FILE);
  writeFileSync(join(app, 'test/flow.test.ts'), FLOW_TEST);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      include: ['src'],
    }),
  );
});

afterAll(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('ship built JavaScript, types and the fixtures, and no tests, sources, source maps or other keys', async () => {
    const mockFiles = (await tarList(tarballs.mock)).map((f) => f.replace(/^package\//, ''));
    const sdkFiles = (await tarList(tarballs.sdk)).map((f) => f.replace(/^package\//, ''));
    for (const entry of ['dist/index.mjs', 'dist/msw.mjs', 'dist/pact.mjs', 'dist/admin.mjs', 'dist/digime-mock.cjs', 'dist/digime-mock-server.cjs', 'dist/types/index.d.ts'])
      expect(mockFiles).toContain(entry);
    expect(mockFiles).toContain('fixtures/apps/demo-app.json');
    expect(mockFiles.filter((f) => f.startsWith('fixtures/users/')).length).toBeGreaterThan(3);
    expect(mockFiles.filter((f) => /\.pem$|\.key$/.test(f)).sort()).toEqual([
      'fixtures/apps/demo-app.private.TEST-ONLY.pem',
      'fixtures/apps/demo-app.public.pem',
    ]);
    expect(sdkFiles).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md']));
    for (const files of [mockFiles, sdkFiles]) {
      expect(files.filter((f) => /\.map$|\.test\.|(^|\/)(test|bench|contracts|scripts|sdk\/src)\//.test(f))).toEqual([]);
      expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    }
  });

  it("the SDK, installed alone, brings jose and zod and none of the server's dependencies", () => {
    const installed = installedPackages(join(sdkOnly, 'node_modules'));
    expect(installed).toEqual(expect.arrayContaining(['digime-sdk-ts', 'jose', 'zod']));
    for (const name of ['express', 'msw', 'pino', '@pact-foundation/pact', 'playwright-core', 'digime-mock'])
      expect(installed, `${name} in the SDK's closure`).not.toContain(name);
  });

  it('digime-mock without its optional peers: the main entry and the admin client load, and ./msw names what it needs', async () => {
    const installed = installedPackages(join(mockOnly, 'node_modules'));
    expect(installed).not.toContain('msw');
    expect(installed).not.toContain('@pact-foundation/pact');
    const probe = `
      const main = await import('digime-mock');
      const admin = await import('digime-mock/admin');
      const server = await main.startMockServer({ port: 0, logLevel: 'silent' });
      const health = await admin.createAdminClient(server.url).health();
      await server.close();
      let msw;
      try { await import('digime-mock/msw'); msw = 'loaded'; } catch (error) { msw = error.code + ' ' + error.message; }
      console.log(JSON.stringify({ health: health.status, msw }));`;
    const { output } = await run(process.execPath, ['--input-type=module', '-e', probe], mockOnly);
    const result = JSON.parse(output.trim().split('\n').pop()!) as { health: string; msw: string };
    expect(result.health).toBe('ok');
    expect(result.msw).toMatch(/ERR_MODULE_NOT_FOUND.*'msw'/);
  });

  it('type-check every public subpath (strict, NodeNext, library types checked too)', async () => {
    const tsc = join(app, 'node_modules/typescript/bin/tsc');
    const { output } = await run(process.execPath, [tsc, '-p', '.'], app);
    expect(output).toBe('');
  });

  it('run a whole Ongoing Access flow through the SDK against the msw handlers, in the app’s own vitest', async () => {
    const vitest = join(app, 'node_modules/vitest/vitest.mjs');
    const { output } = await run(process.execPath, [vitest, 'run', '--testTimeout=120000', '--reporter=verbose'], app);
    expect(output.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests +2 passed \(2\)/);
  });

  it('npx digime-mock starts a server that is healthy on /__admin/health, and stops', async () => {
    // Its own process group, so that stopping it stops npx and the server npx started.
    const child: ChildProcess = spawn('npx', ['digime-mock', '--port', '0', '--key-file', join(app, 'signing-key.pem')], {
      cwd: app,
      env: { ...cleanEnv, DIGIME_MOCK_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        const look = () => {
          const m = /listening on (https?:\/\/\S+)/.exec(output);
          if (m) resolveUrl(m[1]!);
        };
        child.stdout!.on('data', (d) => {
          output += d;
          look();
        });
        child.stderr!.on('data', (d) => (output += d));
        void exited.then((code) => reject(new Error(`npx digime-mock exited ${code} before listening:\n${output}`)));
      });
      const health = await fetch(`${url}/__admin/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });

  it('leave the repository as they found it', async () => {
    const after = await gitStatus();
    if (!statusBefore || !after) return;
    // What packing and building could leave behind (other files may be edited meanwhile in a
    // working tree shared with other work, so only these count).
    const packingLeftovers = /\.(tgz|log)$|(^|\/)package(-lock)?\.json$|(^|\/)(dist|\.data|node_modules)\/|\.d\.ts$|\.m?js$/;
    const appeared = [...after].filter((line) => !statusBefore!.has(line) && packingLeftovers.test(line.slice(3)));
    expect(appeared, `changed in ${relative(process.cwd(), root) || '.'}`).toEqual([]);
  });
});
