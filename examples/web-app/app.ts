/**
 * A small web app that connects its users to digi.me across requests, as a server-side app must:
 * `/connect` starts consent (`getAuthorizeUrl`) and keeps what the callback needs in the user's
 * session cookie; `/callback`, served by whichever instance the user comes back to (or this one
 * after a restart), finishes it (`exchangeCodeForToken`). Nothing is kept in memory between the
 * two, so consent survives a restart, a deploy, or a second instance behind a load balancer.
 *
 * The cookie is encrypted and authenticated (AES-256-GCM with a key from the app's secret): the
 * PKCE verifier and the user's token are secrets, and the browser must not be able to change them.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import {
  ConsentDeniedError,
  ConsentFailedError,
  createDigimeClient,
  isDigimeError,
  OAuthTokenExpiredError,
  type AuthorizeUrl,
  type OAuthToken,
  type Session,
} from '../../sdk/src/index.js';

export interface WebAppOptions {
  /** Where this app is reached from the user's browser, e.g. `http://127.0.0.1:3000`. */
  publicUrl: string;
  /** Encrypts the session cookie: the same on every instance, and kept across restarts. */
  secret: string;
  appId: string;
  contractId: string;
  /** The contract's private key (PEM). */
  privateKey: string;
  baseUrl: string;
  onboardUrl: string;
}

/** What the session cookie holds: the consent in progress, then the user's token and data session. */
interface WebSession {
  /** From `getAuthorizeUrl`, until the callback. */
  pending?: Pick<AuthorizeUrl, 'codeVerifier' | 'state' | 'session'>;
  oAuthToken?: OAuthToken;
  /** The data session consent opened. */
  session?: Session;
}

const COOKIE = 'digime_web';
const COOKIE_MAX_AGE_S = 30 * 86_400;

export function createWebApp(options: WebAppOptions): Express {
  const publicUrl = new URL(options.publicUrl);
  const client = createDigimeClient({
    appId: options.appId,
    contractId: options.contractId,
    privateKey: options.privateKey,
    baseUrl: options.baseUrl,
    onboardUrl: options.onboardUrl,
    redirectUri: new URL('/callback', publicUrl).href,
  });
  const cookies = sealer(options.secret);
  const app = express();
  app.disable('x-powered-by');

  const read = (req: Request): WebSession => cookies.open(cookieValue(req, COOKIE)) ?? {};
  const write = (res: Response, session: WebSession) =>
    res.cookie(COOKIE, cookies.seal(session), {
      httpOnly: true,
      sameSite: 'lax',
      secure: publicUrl.protocol === 'https:',
      path: '/',
      maxAge: COOKIE_MAX_AGE_S * 1000,
    });

  app.get('/', (req, res) => {
    const session = read(req);
    res.type('html').send(
      page(
        'digi.me web app',
        session.oAuthToken
          ? '<p id="status">Connected to digi.me.</p><p><a id="accounts" href="/accounts">Your accounts</a></p>'
          : '<p id="status">Not connected.</p><p><a id="connect" href="/connect">Connect with digi.me</a></p>',
      ),
    );
  });

  // Step one: start consent, keep what the callback needs in the cookie, send the browser to digi.me.
  app.get('/connect', async (req, res) => {
    const { url, codeVerifier, state, session } = await client.getAuthorizeUrl();
    write(res, { ...read(req), pending: { codeVerifier, state, session } });
    res.redirect(302, url);
  });

  // Step two, maybe on another instance or after a restart: the cookie brings the kept values back.
  app.get('/callback', async (req, res) => {
    const current = read(req);
    const { pending } = current;
    if (!pending) {
      res.status(400).type('html').send(page('No consent in progress', '<p id="error">No consent is in progress in this browser. <a href="/connect">Start again</a>.</p>'));
      return;
    }
    const { pending: _done, ...rest } = current;
    try {
      const oAuthToken = await client.exchangeCodeForToken({ callback: req.originalUrl, codeVerifier: pending.codeVerifier, state: pending.state });
      write(res, { ...rest, oAuthToken, session: pending.session });
      res.redirect(303, '/accounts');
    } catch (error) {
      write(res, rest);
      if (error instanceof ConsentDeniedError) {
        res.type('html').send(page('Not connected', '<p id="denied">You did not give consent, so nothing was shared. <a href="/connect">Try again</a>.</p>'));
        return;
      }
      if (error instanceof ConsentFailedError) {
        res.status(400).type('html').send(page('Consent failed', `<p id="error">Consent did not complete (${escape(error.errorCode)}). <a href="/connect">Start again</a>.</p>`));
        return;
      }
      throw error;
    }
  });

  app.get('/accounts', async (req, res) => {
    const current = read(req);
    if (!current.oAuthToken) {
      res.redirect(303, '/');
      return;
    }
    let accounts: Awaited<ReturnType<typeof client.readAccounts>>;
    try {
      accounts = await client.readAccounts({ oAuthToken: current.oAuthToken });
    } catch (error) {
      if (!(error instanceof OAuthTokenExpiredError)) throw error;
      // Only a new consent helps: forget the token and offer to connect again.
      write(res, {});
      res.type('html').send(page('Connect again', '<p id="expired">Your digi.me access has expired. <a href="/connect">Connect again</a>.</p>'));
      return;
    }
    let sync = '';
    let oAuthToken = accounts.oAuthToken;
    if (current.session) {
      try {
        const list = await client.readFileList({ oAuthToken, sessionKey: current.session.key });
        oAuthToken = list.oAuthToken;
        sync = `<p id="sync">Data session: <span id="sync-state">${escape(list.status.state)}</span>, <span id="sync-files">${list.fileList.length}</span> files so far.</p>`;
      } catch (error) {
        // Sessions live an hour: after that, the accounts are still there, the session's files are not.
        if (!isDigimeError(error)) throw error;
        sync = `<p id="sync">The data session of your consent has ended (${escape(error.code)}).</p>`;
      }
    }
    // The SDK returns the token in force: a refreshed one replaces the stored one.
    if (oAuthToken !== current.oAuthToken) write(res, { ...current, oAuthToken });
    const items = accounts.accounts
      .map((a) => `<li class="account">${escape(String(a.serviceTypeName ?? a.type))}: ${escape(String(a.username ?? a.id))}</li>`)
      .join('');
    res.type('html').send(page('Your accounts', `<ul id="account-list">${items}</ul>${sync}<p><a href="/">Home</a></p>`));
  });

  app.use((error: unknown, _req: Request, res: Response, _next: (error?: unknown) => void) => {
    const what = isDigimeError(error) ? `${error.code}: ${error.message}` : 'an unexpected error';
    res.status(502).type('html').send(page('Something went wrong', `<p id="error">digi.me could not be reached (${escape(what)}).</p>`));
  });

  return app;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * Seals JSON into a cookie value and opens it again: AES-256-GCM, so a value the browser changed,
 * or one sealed with another secret, opens as nothing.
 */
function sealer(secret: string) {
  const key = createHash('sha256').update(`digime-web-app-cookie\0${secret}`).digest();
  return {
    seal(value: WebSession): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
    },
    open(value: string | undefined): WebSession | undefined {
      if (!value) return undefined;
      try {
        const bytes = Buffer.from(value, 'base64url');
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(12, 28));
        const json = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
        return JSON.parse(json) as WebSession;
      } catch {
        return undefined;
      }
    },
  };
}
