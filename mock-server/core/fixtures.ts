/**
 * Fixtures on disk: app contracts (`apps/*.json` + PEM) and users (`users/<id>/user.json`).
 * Validated at start; errors name the file and the field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppContractConfigSchema, ConfigError, type AppContractConfig } from './config.js';
import { UserSchema, type User } from './model.js';
import { formatIssues } from './validation.js';

/** The fixtures folder must exist: a mistyped path would otherwise start a mock with no apps or users. */
export function checkFixturesDir(fixturesDir: string): void {
  if (!existsSync(fixturesDir)) throw new ConfigError(`fixturesDir: ${fixturesDir} does not exist`);
  if (!statSync(fixturesDir).isDirectory()) throw new ConfigError(`fixturesDir: ${fixturesDir} is not a folder`);
}

/** A fixture file's JSON; a file that is not JSON is a ConfigError naming it. */
export function readFixtureJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Fixture ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** `apps/*.json`; each names its public key file (`publicKeyFile`, relative) or embeds `publicKey`. */
export function loadAppFixtures(fixturesDir: string): { source: string; app: AppContractConfig }[] {
  const dir = join(fixturesDir, 'apps');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const json = readFixtureJson(file);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`Fixture ${file}: must hold a JSON object`);
      const raw = json as Record<string, unknown>;
      if (typeof raw.publicKeyFile === 'string') {
        const keyFile = join(dir, raw.publicKeyFile);
        if (!existsSync(keyFile)) throw new ConfigError(`Fixture ${file}: publicKeyFile: ${keyFile} does not exist`);
        raw.publicKey = readFileSync(keyFile, 'utf8');
        delete raw.publicKeyFile;
      }
      const parsed = AppContractConfigSchema.safeParse(raw);
      if (!parsed.success) throw new ConfigError(`Fixture ${file}: ${formatIssues(parsed.error.issues)}`);
      return { source: `Fixture ${file}`, app: parsed.data };
    });
}

/** `users/<id>/user.json`, each checked against the account shape digi.me clients need. */
export function loadUserFixtures(fixturesDir: string): User[] {
  const dir = join(fixturesDir, 'users');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'user.json')))
    // By code unit, not localeCompare: collation would load ICU's data (megabytes of memory) to
    // order a few folder names, which are user ids (ASCII).
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => {
      const file = join(dir, d.name, 'user.json');
      const parsed = UserSchema.safeParse(readFixtureJson(file));
      if (!parsed.success) throw new ConfigError(`Fixture ${file}: ${formatIssues(parsed.error.issues)}`);
      return parsed.data;
    });
}
