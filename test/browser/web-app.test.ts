/**
 * The example web app (examples/web-app) in a real browser against the mock: "Connect", the mock's
 * consent page, the callback, the user's accounts. The app runs as its own process and is
 * restarted while the user is on the consent page, so the callback is served by a process that
 * never saw the consent start: only the session cookie carries it across.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMockServer } from '../../mock-server/server.js';
import { launchChromium, startPageMock, withoutChromium } from '../support/browser.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'web-app-test-secret';

interface RunningApp {
  url: string;
  port: number;
  process: ChildProcess;
}

let mock: RunningMockServer;
let browser: Browser;
let context: BrowserContext | undefined;
const apps = new Set<ChildProcess>();

/** Starts examples/web-app/main.ts against the mock and resolves once it says where it listens. */
async function startApp(port = 0): Promise<RunningApp> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'examples/web-app/main.ts', '--port', String(port), '--base-url', mock.baseUrl, '--onboard-url', mock.onboardUrl],
    { cwd: root, env: { ...process.env, WEB_APP_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  apps.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+?)\/? /.exec(line);
      if (match) resolveUrl(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the web app exited (${code}) before listening: ${stderr}`)));
  });
  return { url, port: Number(new URL(url).port), process: child };
}

/** Stops the app's process and waits until it has exited (its port is free again). */
async function stopApp(app: RunningApp): Promise<void> {
  if (app.process.exitCode !== null || app.process.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => app.process.once('exit', () => resolveExit()));
  app.process.kill('SIGTERM');
  await exited;
  apps.delete(app.process);
}

// Each test starts the app's process (one to three times), which takes seconds on a busy machine.
describe.skipIf(withoutChromium)('the example web app in chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    mock = await startPageMock();
    browser = await launchChromium();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    for (const child of apps) child.kill('SIGKILL');
    apps.clear();
  });

  afterAll(async () => {
    await browser?.close();
    await mock?.close();
  });

  async function newPage(): Promise<Page> {
    context = await browser.newContext();
    return context.newPage();
  }

  /** From the app's home page to the mock's consent page. */
  async function connect(page: Page, app: RunningApp): Promise<void> {
    await page.goto(`${app.url}/`);
    await expect(page.locator('#status').textContent()).resolves.toBe('Not connected.');
    await page.click('#connect');
    await page.waitForURL(`${mock.onboardUrl}authorize?**`);
    await page.locator('#approve').waitFor();
  }

  it('finishes consent after the app restarted between the consent URL and the callback', async () => {
    const page = await newPage();
    const first = await startApp();
    await connect(page, first);
    await expect(page.locator('#app-name').textContent()).resolves.toBe('Demo App (Genrefy)');

    // The user is on digi.me's page; meanwhile the app is stopped and started again, same port.
    await stopApp(first);
    const second = await startApp(first.port);
    expect(second.process.pid).not.toBe(first.process.pid);

    await page.click('#approve');
    await page.waitForURL(`${second.url}/accounts`);
    const accounts = await page.locator('.account').allTextContents();
    expect(accounts.join('\n')).toMatch(/Spotify/);
    expect(accounts.length).toBeGreaterThanOrEqual(3);

    // The data session kept from the consent's start is the user's now: let its sync finish.
    mock.authority.clock.advance(120);
    await page.reload();
    await expect(page.locator('#sync-state').textContent()).resolves.toBe('completed');
    expect(Number(await page.locator('#sync-files').textContent())).toBeGreaterThan(0);

    // The token lives in the cookie: after yet another restart the user is still connected.
    await stopApp(second);
    const third = await startApp(first.port);
    await page.goto(`${third.url}/`);
    await expect(page.locator('#status').textContent()).resolves.toBe('Connected to digi.me.');
  });

  it('a refusal on the consent page comes back as "you did not give consent"', async () => {
    const page = await newPage();
    const app = await startApp();
    await connect(page, app);
    await page.click('#deny');
    await page.waitForURL(`${app.url}/callback?**`);
    await expect(page.locator('#denied').isVisible()).resolves.toBe(true);
    await page.goto(`${app.url}/`);
    await expect(page.locator('#status').textContent()).resolves.toBe('Not connected.');
  });

  it('refuses a callback that does not belong to the consent this browser started', async () => {
    const page = await newPage();
    const app = await startApp();

    const none = await page.goto(`${app.url}/callback?success=true&state=forged&code=forged`);
    expect(none?.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('No consent is in progress');

    await connect(page, app);
    const forged = await page.goto(`${app.url}/callback?success=true&state=forged&code=forged`);
    expect(forged?.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('StateMismatch');
  });
});
