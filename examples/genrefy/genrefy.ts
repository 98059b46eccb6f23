/**
 * Genrefy: a user's most-listened genres from Spotify play history (object type 406), read with the
 * SDK. The token is kept in a file between runs (access restoration); an expired access token is
 * refreshed and an expired refresh token sends the user through consent again, both inside
 * `authorizeOngoingAccess`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createAutoConsentHandler, createDigimeClient, type ConsentHandler, type OAuthToken } from '../../sdk/src/index.js';

export interface GenrefyOptions {
  baseUrl: string;
  onboardUrl: string;
  privateKey: string;
  tokenFile: string;
  appId?: string;
  contractId?: string;
  consentHandler?: ConsentHandler;
  /** How long to wait between file-list polls; the real service wants seconds, the mock less. */
  pollIntervalMs?: number;
  /** Waits between polls; a run against the mock moves the mock's clock here instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

export interface GenreCount {
  genre: string;
  plays: number;
}

/** Only music play history: service group 5 (music), Spotify (19), object type 406. */
export const PLAY_HISTORY_SCOPE = {
  serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }],
};

interface Play {
  track?: { artists?: { genres?: string[] }[] };
}

export function countGenres(plays: Play[]): GenreCount[] {
  const counts = new Map<string, number>();
  for (const play of plays) {
    const genres = new Set((play.track?.artists ?? []).flatMap((a) => a.genres ?? []));
    for (const g of genres) counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return [...counts].map(([genre, plays]) => ({ genre, plays })).sort((a, b) => b.plays - a.plays || a.genre.localeCompare(b.genre));
}

export function chart(genres: GenreCount[], top = 10): string {
  const shown = genres.slice(0, top);
  const max = shown[0]?.plays ?? 1;
  const width = Math.max(...shown.map((g) => g.genre.length), 5);
  return shown.map((g) => `${g.genre.padEnd(width)}  ${'█'.repeat(Math.max(1, Math.round((g.plays / max) * 40)))} ${g.plays}`).join('\n');
}

const loadToken = (file: string): OAuthToken | undefined =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as OAuthToken) : undefined;
const saveToken = (file: string, token: OAuthToken) => writeFileSync(file, JSON.stringify(token, null, 2) + '\n', { mode: 0o600 });

export async function genrefy(options: GenrefyOptions) {
  const log = options.log ?? (() => {});
  const client = createDigimeClient({
    appId: options.appId ?? 'demo-app',
    contractId: options.contractId ?? 'demo-ongoing',
    privateKey: options.privateKey,
    baseUrl: options.baseUrl,
    onboardUrl: options.onboardUrl,
    redirectUri: 'http://localhost:3000/genrefy/callback',
    consentHandler: options.consentHandler ?? createAutoConsentHandler(),
    pollIntervalMs: options.pollIntervalMs ?? 3000,
    ...(options.sleep ? { sleep: (ms: number) => options.sleep!(ms) } : {}),
    // Whatever renews the token, keep the new one.
    onTokenChange: ({ token, reason }) => {
      log(`token renewed (${reason}); saved to ${options.tokenFile}`);
      saveToken(options.tokenFile, token);
    },
  });

  const stored = loadToken(options.tokenFile);
  log(stored ? 'restoring access with the stored token' : 'no stored token: asking for consent');
  const { session, oAuthToken, consented } = await client.authorizeOngoingAccess({ scope: PLAY_HISTORY_SCOPE, oAuthToken: stored });
  saveToken(options.tokenFile, oAuthToken);

  const { files, status, oAuthToken: latest } = await client.readAllFiles({
    sessionKey: session.key,
    oAuthToken,
    onProgress: ({ state, filesRead }) => log(`sync ${state}: ${filesRead} files read`),
  });
  const plays = files.filter((f) => f.fileName.includes('_406_')).flatMap((f) => (Array.isArray(f.data) ? (f.data as Play[]) : []));
  return { genres: countGenres(plays), plays: plays.length, files: files.length, state: status.state, consented, oAuthToken: latest };
}
