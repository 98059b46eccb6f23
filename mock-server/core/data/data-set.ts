/**
 * The data fixture format: `users/<id>/data/*.json`, one file per account and object type, the
 * objects as a readable JSON array. The server splits a data set into digi.me files (by month for
 * `split: "month"`), so a fixture author writes data, never file names.
 *
 * ```json
 * {
 *   "account": "acc-demo-spotify-0001",       // an account of this user, by reference or id
 *   "objectType": 406,                         // digi.me's service object type
 *   "objectTypeName": "playhistory",           // optional for the types digi.me names (object-types.ts)
 *   "split": "month",                          // "month" (default) or "none"
 *   "timeField": "createddate",                // each object's time, Unix ms (default "createddate")
 *   "compression": "rotate",                   // "none" | "gzip" | "brotli" | "rotate" (default)
 *   "schema": { "standard": "digime", "version": "1.0.0" },   // optional, this is the default
 *   "objects": [ { "createddate": 1733011200000, ... }, ... ]
 * }
 * ```
 *
 * `rotate` gives the files of a data set none, gzip and brotli in turn (in file-name order), so
 * every client path is exercised (docs/protocol.md §8). Loading validates every file at start and names
 * the bad file and field.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { readFixtureJson } from '../fixtures.js';
import type { Account, User } from '../model.js';
import { formatIssues } from '../validation.js';
import { objectTypeName } from './object-types.js';

export const COMPRESSIONS = ['none', 'gzip', 'brotli'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const FileSchemaSchema = z
  .object({ standard: z.enum(['digime', 'fhir']), version: z.string().min(1), id: z.string().optional() })
  .strict();

export const DataSetSchema = z
  .object({
    account: z.string().min(1),
    objectType: z.number().int().positive(),
    objectTypeName: z.string().min(1).optional(),
    split: z.enum(['month', 'none']).default('month'),
    timeField: z.string().min(1).default('createddate'),
    compression: z.enum([...COMPRESSIONS, 'rotate']).default('rotate'),
    schema: FileSchemaSchema.default({ standard: 'digime', version: '1.0.0' }),
    // Each object is taken as it was read: a record schema would copy every one (thousands, at
    // start), and the checks that matter (its time field) come later, with the file's settings.
    objects: z.array(z.custom<Record<string, unknown>>((o) => typeof o === 'object' && o !== null && !Array.isArray(o), 'must be an object')),
  })
  .strict();

export type DataSetFixture = z.infer<typeof DataSetSchema>;

/** A validated data set, bound to its account. */
export interface DataSet extends DataSetFixture {
  /** Where it was read from, for messages. */
  file: string;
  objectTypeName: string;
  accountRecord: Account;
}


/** Checks one data set against its user; throws ConfigError naming the file and field. */
export function parseDataSet(raw: unknown, file: string, user: User): DataSet {
  const parsed = DataSetSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`Fixture ${file}: ${formatIssues(parsed.error.issues)}`);
  const set = parsed.data;
  const account = user.accounts.find((a) => a.reference === set.account || a.id === set.account);
  if (!account) {
    throw new ConfigError(`Fixture ${file}: account: user "${user.id}" has no account "${set.account}"`);
  }
  const name = set.objectTypeName ?? objectTypeName(set.objectType);
  if (!name) {
    throw new ConfigError(`Fixture ${file}: objectTypeName: required for object type ${set.objectType}`);
  }
  set.objects.forEach((object, i) => {
    const t = object[set.timeField];
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) {
      throw new ConfigError(
        `Fixture ${file}: objects.${i}.${set.timeField}: must be a time in Unix milliseconds, got ${JSON.stringify(t)}`,
      );
    }
  });
  return { ...set, file, objectTypeName: name, accountRecord: account };
}

/** The folder of each user fixture, by the user id its `user.json` declares. */
function userFolders(fixturesDir: string): Map<string, string> {
  const dir = join(fixturesDir, 'users');
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, d.name, 'user.json');
    if (!d.isDirectory() || !existsSync(file)) continue;
    const id = (readFixtureJson(file) as { id?: unknown }).id;
    if (typeof id === 'string') out.set(id, join(dir, d.name));
  }
  return out;
}

/** Every user's data sets (`users/<folder>/data/*.json`), validated; users without data get none. */
export function loadDataSets(fixturesDir: string, users: Iterable<User>): Map<string, DataSet[]> {
  const folders = userFolders(fixturesDir);
  const out = new Map<string, DataSet[]>();
  for (const user of users) {
    const folder = folders.get(user.id);
    const dir = folder && join(folder, 'data');
    if (!dir || !existsSync(dir)) {
      out.set(user.id, []);
      continue;
    }
    const sets = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => parseDataSet(readFixtureJson(join(dir, f)), join(dir, f), user));
    const seen = new Map<string, string>();
    for (const s of sets) {
      const key = `${s.accountRecord.id}/${s.objectType}`;
      const other = seen.get(key);
      if (other) {
        throw new ConfigError(
          `Fixture ${s.file}: objectType: ${other} already holds object type ${s.objectType} of account "${s.account}"`,
        );
      }
      seen.set(key, s.file);
    }
    out.set(user.id, sets);
  }
  return out;
}
