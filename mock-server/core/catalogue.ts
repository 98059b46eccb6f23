/**
 * The discovery catalogue (docs/protocol.md §9.1): the sources an app can offer its users, with
 * their countries, platforms and categories, read from `<fixtures>/catalogue.json` and validated
 * at start. Every source a fixture account uses must be in it, under the account's `sourceId`, with
 * `service.id` equal to the account's `serviceTypeId`; a fixtures folder without a catalogue gets
 * one made from its users' accounts (one approved pull source per `sourceId`).
 *
 * ```json
 * {
 *   "countries":  [{ "id": 826, "code": "GB", "name": "United Kingdom" }],
 *   "platforms":  [{ "id": 1, "name": "Web", "reference": "web" }],
 *   "categories": [{ "id": 5, "name": "Music", "reference": "music", "categoryTypeId": 1, "title": "…" }],
 *   "sources": [{
 *     "id": 19, "name": "Spotify", "reference": "spotify",
 *     "type": 1,                                  // 1 pull, 2 push
 *     "publishedStatus": "approved",              // approved | pending | deprecated | blocked | sampledataonly
 *     "service": { "id": 19, "name": "Spotify", "reference": "spotify" },
 *     "countries": [826], "categories": [5], "platforms": [1],   // ids from the lists above
 *     "alias": ["…"], "abbreviation": ["…"],      // optional, for searches
 *     "authorisation": "saas",                    // saas (default) | sdk | none
 *     "resource": { "url": "…", "mimetype": "image/png" }        // optional
 *   }]
 * }
 * ```
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config.js';
import { errors } from './errors.js';
import { readFixtureJson } from './fixtures.js';
import type { User } from './model.js';
import { formatIssues } from './validation.js';

export const CATALOGUE_FILE = 'catalogue.json';

const PUBLISHED_STATUSES = ['approved', 'pending', 'deprecated', 'blocked', 'sampledataonly'] as const;
export type PublishedStatus = (typeof PUBLISHED_STATUSES)[number];

/** digi.me's source types. */
export const SOURCE_TYPES = { 1: 'pull', 2: 'push' } as const;

const id = z.number().int().nonnegative();
const text = z.string().min(1);
const Resource = z
  .object({ url: z.string().optional(), mimetype: z.string().optional(), type: z.number().optional(), resize: z.string().optional() })
  .strict();

const CountrySchema = z.object({ id, code: text, name: text, resource: Resource.optional() }).strict();
const PlatformSchema = z.object({ id, name: text, reference: text }).strict();
const CategorySchema = z
  .object({
    id,
    categoryTypeId: z.number().int().optional(),
    name: text,
    reference: text,
    title: z.string().optional(),
    subTitle: z.string().optional(),
    expandedTitle: z.string().optional(),
    expandedSubTitle: z.string().optional(),
    resource: Resource.optional(),
  })
  .strict();

const SourceSchema = z
  .object({
    id,
    name: text,
    reference: text,
    type: z.union([z.literal(1), z.literal(2)]),
    publishedStatus: z.enum(PUBLISHED_STATUSES),
    service: z.object({ id, name: text, reference: text }).strict(),
    countries: z.array(id).default([]),
    categories: z.array(id).default([]),
    platforms: z.array(id).default([]),
    alias: z.array(text).default([]),
    abbreviation: z.array(text).default([]),
    authorisation: z.enum(['saas', 'sdk', 'none']).default('saas'),
    resource: Resource.pick({ url: true, mimetype: true }).optional(),
  })
  .strict();

export const CatalogueSchema = z
  .object({
    countries: z.array(CountrySchema).default([]),
    platforms: z.array(PlatformSchema).default([]),
    categories: z.array(CategorySchema).default([]),
    sources: z.array(SourceSchema),
  })
  .strict();

export type Catalogue = z.infer<typeof CatalogueSchema>;
export type CatalogueSource = Catalogue['sources'][number];
export type Country = Catalogue['countries'][number];
export type Platform = Catalogue['platforms'][number];
export type Category = Catalogue['categories'][number];

// ---- loading ---------------------------------------------------------------------------------

function duplicates(list: { id: number }[]): number | undefined {
  const seen = new Set<number>();
  for (const { id: n } of list) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return undefined;
}

/** Checks the catalogue's own references and its agreement with the users' accounts; throws naming the field. */
function check(catalogue: Catalogue, users: Iterable<User>, where: string): void {
  const fail = (field: string, message: string) => {
    throw new ConfigError(`${where}: ${field}: ${message}`);
  };
  for (const list of ['countries', 'platforms', 'categories', 'sources'] as const) {
    const dup = duplicates(catalogue[list]);
    if (dup !== undefined) fail(list, `id ${dup} is listed twice`);
  }
  const known = {
    countries: new Set(catalogue.countries.map((c) => c.id)),
    categories: new Set(catalogue.categories.map((c) => c.id)),
    platforms: new Set(catalogue.platforms.map((c) => c.id)),
  };
  catalogue.sources.forEach((source, i) => {
    for (const list of ['countries', 'categories', 'platforms'] as const) {
      source[list].forEach((ref, j) => {
        if (!known[list].has(ref)) fail(`sources.${i}.${list}.${j}`, `${ref} is not in ${list}`);
      });
    }
  });
  const sources = new Map(catalogue.sources.map((s, i) => [s.id, { source: s, index: i }]));
  for (const user of users) {
    user.accounts.forEach((account, i) => {
      const found = sources.get(account.sourceId);
      const field = `user "${user.id}", accounts.${i}`;
      if (!found) fail('sources', `${field} ("${account.id}") uses source ${account.sourceId}, which is not listed`);
      else if (found.source.service.id !== account.serviceTypeId) {
        fail(
          `sources.${found.index}.service.id`,
          `is ${found.source.service.id}, but ${field} ("${account.id}") has serviceTypeId ${account.serviceTypeId} for this source`,
        );
      }
    });
  }
}

/** A catalogue of the users' own sources, for a fixtures folder that has no catalogue file. */
function catalogueOfAccounts(users: Iterable<User>): Catalogue {
  const sources = new Map<number, CatalogueSource>();
  for (const user of users) {
    for (const a of user.accounts) {
      if (sources.has(a.sourceId)) continue;
      sources.set(a.sourceId, {
        id: a.sourceId,
        name: a.serviceTypeName,
        reference: a.serviceTypeReference,
        type: 1,
        publishedStatus: 'approved',
        service: { id: a.serviceTypeId, name: a.serviceTypeName, reference: a.serviceTypeReference },
        countries: [],
        categories: [],
        platforms: [],
        alias: [],
        abbreviation: [],
        authorisation: 'saas',
      });
    }
  }
  return { countries: [], platforms: [], categories: [], sources: [...sources.values()].sort((a, b) => a.id - b.id) };
}

/** `<fixturesDir>/catalogue.json`, validated against itself and the users; derived from the users when absent. */
export function loadCatalogue(fixturesDir: string, users: Iterable<User>): Catalogue {
  const file = join(fixturesDir, CATALOGUE_FILE);
  const all = [...users];
  if (!existsSync(file)) return catalogueOfAccounts(all);
  const parsed = CatalogueSchema.safeParse(readFixtureJson(file));
  if (!parsed.success) throw new ConfigError(`Fixture ${file}: ${formatIssues(parsed.error.issues)}`);
  check(parsed.data, all, `Fixture ${file}`);
  return parsed.data;
}

// ---- the wire ---------------------------------------------------------------------------------

/** A source as `discovery/sources` lists it: the Node SDK's required and optional fields, and digi.me's related lists. */
export function sourceView(catalogue: Catalogue, s: CatalogueSource) {
  const pick = <T extends { id: number }>(list: T[], ids: number[]) => list.filter((x) => ids.includes(x.id));
  return {
    id: s.id,
    name: s.name,
    reference: s.reference,
    publishedStatus: s.publishedStatus,
    type: { id: s.type, name: SOURCE_TYPES[s.type], reference: SOURCE_TYPES[s.type] },
    service: s.service,
    country: pick(catalogue.countries, s.countries),
    category: pick(catalogue.categories, s.categories),
    platform: pick(catalogue.platforms, s.platforms),
    ...(s.alias.length > 0 && { alias: s.alias }),
    ...(s.abbreviation.length > 0 && { abbreviation: s.abbreviation }),
    ...(s.resource && { resource: s.resource }),
    onboardable: s.publishedStatus === 'approved' || s.publishedStatus === 'sampledataonly',
    json: { authorisation: { type: s.authorisation } },
  };
}

// ---- queries ----------------------------------------------------------------------------------

const ids = z.array(z.number());
const idFilter = z.object({ id: ids }).passthrough();
const strings = z.array(z.string());

/** `discovery/sources` body (the Node SDK's SourcesBodyParams); unknown fields pass. */
const SourcesBodySchema = z
  .object({
    limit: z.number().int().nonnegative().optional(),
    offset: z.number().int().nonnegative().optional(),
    sort: z.object({ name: z.enum(['asc', 'desc']) }).passthrough().optional(),
    query: z
      .object({
        queryString: z.string().optional(),
        search: z
          .object({ name: strings, abbreviation: strings, alias: strings, medicalCenter: strings, practitioner: strings })
          .partial()
          .passthrough()
          .optional(),
        include: strings.optional(),
        filter: z
          .object({
            id: ids,
            publishedStatus: z.array(z.enum(PUBLISHED_STATUSES)),
            service: idFilter,
            country: idFilter,
            category: idFilter,
            platform: idFilter,
            type: idFilter,
            sourceId: z.number(),
            reference: strings,
            alias: strings,
          })
          .partial()
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** `discovery/countries|platforms|categories` body. */
const ListBodySchema = z
  .object({
    query: z
      .object({ include: strings.optional(), filter: z.object({ id: ids.optional() }).passthrough().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined || body === null) return schema.parse({});
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    if (typeof body !== 'object' || Array.isArray(body)) throw errors.validation('the body must be a JSON object');
    throw errors.validation(formatIssues(parsed.error.issues.slice(0, 1), 'body'));
  }
  return parsed.data;
}

const containsAny = (values: string[], needles: string[]) =>
  needles.some((n) => values.some((v) => v.toLowerCase().includes(n.toLowerCase())));

/**
 * `POST discovery/sources`: filters AND together, a list's values OR; `queryString` and each
 * `search` list match name substrings (an alias or abbreviation search also its own field),
 * case-insensitively; `total` counts before paging.
 */
export function querySources(catalogue: Catalogue, body: unknown) {
  const { limit, offset = 0, sort, query = {} } = parseBody(SourcesBodySchema, body);
  const { filter = {}, search = {}, queryString } = query;
  const anyOf = <T>(wanted: T[] | undefined, value: T | T[]) =>
    wanted === undefined || (Array.isArray(value) ? value.some((v) => wanted.includes(v)) : wanted.includes(value));
  const matches = catalogue.sources.filter(
    (s) =>
      anyOf(filter.id, s.id) &&
      (filter.sourceId === undefined || filter.sourceId === s.id) &&
      anyOf(filter.publishedStatus, s.publishedStatus) &&
      anyOf(filter.service?.id, s.service.id) &&
      anyOf(filter.country?.id, s.countries) &&
      anyOf(filter.category?.id, s.categories) &&
      anyOf(filter.platform?.id, s.platforms) &&
      anyOf(filter.type?.id, s.type) &&
      anyOf(filter.reference, s.reference) &&
      anyOf(filter.alias, s.alias) &&
      (queryString === undefined || containsAny([s.name], [queryString])) &&
      Object.entries(search).every(
        ([field, needles]) =>
          !Array.isArray(needles) ||
          containsAny([s.name, ...(field === 'alias' ? s.alias : field === 'abbreviation' ? s.abbreviation : [])], needles as string[]),
      ),
  );
  if (sort) {
    const dir = sort.name === 'desc' ? -1 : 1;
    matches.sort((a, b) => dir * a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.id - b.id);
  }
  const page = matches.slice(offset, limit === undefined ? undefined : offset + limit);
  return {
    data: page.map((s) => sourceView(catalogue, s)),
    limit: limit ?? matches.length,
    offset,
    total: matches.length,
  };
}

function queryList<T extends { id: number }>(list: T[], body: unknown): { data: T[] } {
  const wanted = parseBody(ListBodySchema, body).query?.filter?.id;
  return { data: wanted === undefined ? list : list.filter((x) => wanted.includes(x.id)) };
}

/** `POST discovery/countries`. */
export const queryCountries = (catalogue: Catalogue, body: unknown) => queryList(catalogue.countries, body);
/** `POST discovery/platforms`. */
export const queryPlatforms = (catalogue: Catalogue, body: unknown) => queryList(catalogue.platforms, body);
/** `POST discovery/categories`. */
export const queryCategories = (catalogue: Catalogue, body: unknown) => queryList(catalogue.categories, body);

/** A source by its id (a path segment or a page parameter), or undefined. */
export function findSource(catalogue: Catalogue, raw: unknown): CatalogueSource | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  return catalogue.sources.find((s) => s.id === n);
}

/** The sources a consent page's picker offers: of one type, approved (and sample-data-only ones when asked). */
export function pickerSources(catalogue: Catalogue, type: 1 | 2, includeSampleDataOnly: boolean): CatalogueSource[] {
  return catalogue.sources.filter(
    (s) => s.type === type && (s.publishedStatus === 'approved' || (includeSampleDataOnly && s.publishedStatus === 'sampledataonly')),
  );
}
