/**
 * What an app may ask about without a user (docs/protocol.md §9.1): its own contract, digi.me's
 * catalogue of sources (with their countries, platforms and categories), and a source's sample
 * data sets. Each is one request signed with the app's key alone (no `access_token`), so there is
 * no token to refresh.
 */
import { z } from 'zod';
import { UnexpectedResponseError } from './errors.js';
import { readJson, sendSigned } from './http.js';
import type { HttpContext } from './http.js';
import { issuesOf } from './validation.js';

/** The calling contract, as digi.me describes it. */
export interface ContractDetails {
  id: string;
  /** `r` reads, `w` also writes (push). */
  accessType: 'r' | 'w';
  type: string;
  partnerId: string;
  certificate: string;
  certificateContractSchemaVersion: string;
  /** Unix milliseconds. */
  expirationDate: number;
  application: { id: string; name: string; status: number; resources: Record<string, unknown> };
  [field: string]: unknown;
}

export type PublishedStatus = 'approved' | 'pending' | 'deprecated' | 'blocked' | 'sampledataonly';

/** A source of the catalogue; other fields digi.me sends are kept. */
export interface Source {
  id: number;
  name?: string;
  reference?: string;
  publishedStatus?: PublishedStatus;
  type?: { id: number; name?: string; reference?: string };
  service?: { id: number; name?: string; reference?: string; [field: string]: unknown };
  resource?: { url?: string; mimetype?: string };
  json?: { authorisation?: { type?: 'saas' | 'sdk' | 'none' }; [field: string]: unknown };
  [field: string]: unknown;
}

export interface Country {
  id: number;
  code?: string;
  name?: string;
  [field: string]: unknown;
}

export interface Platform {
  id: number;
  name?: string;
  reference?: string;
  [field: string]: unknown;
}

export interface Category {
  id: number;
  categoryTypeId?: number;
  name?: string;
  reference?: string;
  title?: string;
  [field: string]: unknown;
}

/** `querySources`' body: paging, sorting, a text search and filters (docs/protocol.md §9.1). */
export interface SourcesBodyParams {
  limit?: number;
  offset?: number;
  sort?: { name: 'asc' | 'desc' };
  query?: {
    queryString?: string;
    search?: { name?: string[]; abbreviation?: string[]; alias?: string[]; medicalCenter?: string[]; practitioner?: string[] };
    include?: string[];
    filter?: {
      id?: number[];
      publishedStatus?: PublishedStatus[];
      /** Pull (1) or push (2); `[1]` when left out. */
      type?: { id: number[] };
      service?: { id: number[] };
      country?: { id: number[] };
      category?: { id: number[] };
      platform?: { id: number[] };
      sourceId?: number;
      reference?: string[];
      alias?: string[];
      [field: string]: unknown;
    };
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** The body of `queryCountries`, `queryPlatforms` and `queryCategories`. */
export interface IdQueryBodyParams {
  query?: { include?: string[]; filter?: { id?: number[] }; [field: string]: unknown };
  [field: string]: unknown;
}

export interface QuerySourcesResult {
  data: Source[];
  limit: number;
  offset: number;
  /** Matches before paging. */
  total: number;
}

/** A source's sample data sets, by data set id. */
export type SampleDataSets = Record<string, { name: string; description: string }>;

const idList = z.array(z.number());
const stringList = z.array(z.string());
const publishedStatus = z.enum(['approved', 'pending', 'deprecated', 'blocked', 'sampledataonly']);

/** Checked like the official SDK's codecs: known fields must have their type, others pass. */
export const sourcesBodyParamsSchema = z.looseObject({
  limit: z.number().int().nonnegative().optional(),
  offset: z.number().int().nonnegative().optional(),
  sort: z.strictObject({ name: z.enum(['asc', 'desc']) }).optional(),
  query: z
    .looseObject({
      queryString: z.string().optional(),
      search: z
        .looseObject({
          name: stringList.optional(),
          abbreviation: stringList.optional(),
          alias: stringList.optional(),
          medicalCenter: stringList.optional(),
          practitioner: stringList.optional(),
        })
        .optional(),
      include: stringList.optional(),
      filter: z
        .looseObject({
          id: idList.optional(),
          publishedStatus: z.array(publishedStatus).optional(),
          type: z.looseObject({ id: idList }).optional(),
          service: z.looseObject({ id: idList }).optional(),
          country: z.looseObject({ id: idList }).optional(),
          category: z.looseObject({ id: idList }).optional(),
          platform: z.looseObject({ id: idList }).optional(),
          sourceId: z.number().optional(),
          reference: stringList.optional(),
          alias: stringList.optional(),
        })
        .optional(),
    })
    .optional(),
});

export const idQueryBodyParamsSchema = z.looseObject({
  query: z.looseObject({ include: stringList.optional(), filter: z.looseObject({ id: idList.optional() }).optional() }).optional(),
});

const contractDetailsSchema = z.looseObject({
  id: z.string(),
  accessType: z.enum(['r', 'w']),
  type: z.string(),
  partnerId: z.string(),
  certificate: z.string(),
  certificateContractSchemaVersion: z.string(),
  expirationDate: z.number(),
  application: z.looseObject({ id: z.string(), name: z.string(), status: z.number(), resources: z.record(z.string(), z.unknown()) }),
});

const withId = z.looseObject({ id: z.number() });
const sourcesSchema = z.looseObject({
  data: z.array(withId),
  limit: z.number(),
  offset: z.number(),
  total: z.number(),
});
const listSchema = z.looseObject({ data: z.array(withId) });
const sampleDataSetsSchema = z.record(z.string(), z.looseObject({ name: z.string(), description: z.string() }));

/** The answer's body, held to `schema`: anything else is `UnexpectedResponse`. */
function shaped<T>(body: unknown, schema: z.ZodType, request: string, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const detail = issuesOf(result.error).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    throw new UnexpectedResponseError(`${request}: ${what} is malformed (${detail})`);
  }
  return result.data as T;
}

async function appCall(
  http: HttpContext,
  request: { method: 'GET' | 'POST'; url: string; json?: unknown; signal: AbortSignal | undefined },
): Promise<unknown> {
  const response = await sendSigned(http, { method: request.method, url: request.url, json: request.json, signal: request.signal });
  return readJson(response, `${request.method} ${request.url}`, request.signal);
}

/** `GET B+permission-access/contract`. */
export async function fetchContractDetails(http: HttpContext, baseUrl: string, signal: AbortSignal | undefined): Promise<ContractDetails> {
  const url = `${baseUrl}permission-access/contract`;
  return shaped(await appCall(http, { method: 'GET', url, signal }), contractDetailsSchema, `GET ${url}`, 'the contract');
}

/**
 * `POST B+discovery/sources`. As the official SDK does, a body without a `type` or
 * `publishedStatus` filter asks for approved pull sources (`type: {id: [1]}`, `["approved"]`).
 */
export async function fetchSources(
  http: HttpContext,
  baseUrl: string,
  params: SourcesBodyParams | undefined,
  signal: AbortSignal | undefined,
): Promise<QuerySourcesResult> {
  const url = `${baseUrl}discovery/sources`;
  // A copy, so the defaults land in it and not in the app's object (checked to be plain JSON).
  const body = JSON.parse(JSON.stringify(params ?? {})) as SourcesBodyParams;
  const query = (body.query ??= {});
  const filter = (query.filter ??= {});
  if (!Object.hasOwn(filter, 'type')) filter.type = { id: [1] };
  if (!Object.hasOwn(filter, 'publishedStatus')) filter.publishedStatus = ['approved'];
  return shaped(await appCall(http, { method: 'POST', url, json: body, signal }), sourcesSchema, `POST ${url}`, 'the source list');
}

/** `POST B+discovery/<countries|platforms|categories>`: the catalogue's, or those the filter lists. */
export async function fetchIdList<T>(
  http: HttpContext,
  baseUrl: string,
  list: 'countries' | 'platforms' | 'categories',
  params: IdQueryBodyParams | undefined,
  signal: AbortSignal | undefined,
): Promise<{ data: T[] }> {
  const url = `${baseUrl}discovery/${list}`;
  // The official SDK sends no body when the app gives none; digi.me reads that as "all".
  return shaped(await appCall(http, { method: 'POST', url, json: params, signal }), listSchema, `POST ${url}`, `the ${list} list`);
}

/** `GET B+permission-access/sample/datasets/<sourceId>`. */
export async function fetchSampleDataSets(
  http: HttpContext,
  baseUrl: string,
  sourceId: number,
  signal: AbortSignal | undefined,
): Promise<SampleDataSets> {
  const url = `${baseUrl}permission-access/sample/datasets/${sourceId}`;
  return shaped(await appCall(http, { method: 'GET', url, signal }), sampleDataSetsSchema, `GET ${url}`, 'the data set list');
}
