/**
 * The shapes the official Node SDK validates for contract details, discovery and sample data sets
 * (its io-ts codecs in src/get-contract-details.ts, src/query-sources.ts, src/query-countries.ts,
 * src/query-platforms.ts, src/query-categories.ts and src/get-service-sample-datasets.ts), mirrored
 * in zod: required fields required, optional ones typed when present, extra fields allowed.
 */
import { z } from 'zod';
import { bearer, type Harness } from './harness.js';
import { signRequest, type SignOptions } from './request-jwt.js';

export const ContractDetailsResponse = z.object({
  accessType: z.enum(['r', 'w']),
  application: z.object({ id: z.string(), name: z.string(), resources: z.record(z.string(), z.unknown()), status: z.number() }),
  certificate: z.string(),
  certificateContractSchemaVersion: z.string(),
  expirationDate: z.number(),
  id: z.string(),
  partnerId: z.string(),
  type: z.string(),
});

const PUBLISHED = z.enum(['approved', 'pending', 'deprecated', 'blocked', 'sampledataonly']);
export const Source = z.object({
  id: z.number(),
  name: z.string().optional(),
  resource: z.object({ url: z.string().optional(), mimetype: z.string().optional() }).optional(),
  service: z.object({ id: z.number(), name: z.string().optional(), reference: z.string().optional() }).optional(),
  publishedStatus: PUBLISHED.optional(),
  json: z.object({ authorisation: z.object({ type: z.enum(['saas', 'sdk', 'none']).optional() }).optional() }).optional(),
});
export const QuerySourcesResponse = z.object({ data: z.array(Source), limit: z.number(), offset: z.number(), total: z.number() });

const ListResource = z.object({ mimetype: z.string(), resize: z.string(), type: z.number(), url: z.string() }).partial();
export const QueryCountriesResponse = z.object({
  data: z.array(z.object({ id: z.number(), code: z.string().optional(), name: z.string().optional(), resource: ListResource.optional() })),
});
export const QueryPlatformsResponse = z.object({
  data: z.array(z.object({ id: z.number(), name: z.string().optional(), reference: z.string().optional() })),
});
export const QueryCategoriesResponse = z.object({
  data: z.array(
    z.object({
      id: z.number(),
      categoryTypeId: z.number().optional(),
      name: z.string().optional(),
      reference: z.string().optional(),
      resource: ListResource.optional(),
      subTitle: z.string().optional(),
      title: z.string().optional(),
      expandedTitle: z.string().optional(),
      expandedSubTitle: z.string().optional(),
    }),
  ),
});
export const SampleDataSetsResponse = z.record(z.string(), z.object({ description: z.string(), name: z.string() }));

/** What the official SDK adds to a sources body the app left without them: pull sources, approved ones. */
export const SDK_SOURCE_DEFAULTS = { query: { filter: { type: { id: [1] }, publishedStatus: ['approved'] } } };

/** An app-JWT call (no access token): `POST discovery/<what>` with a JSON body, or none. */
export async function discovery(h: Harness, what: 'sources' | 'countries' | 'platforms' | 'categories', body?: unknown, sign?: SignOptions) {
  const req = h.http.post(`/v1.7/discovery/${what}`).set(bearer(await signRequest({}, sign)));
  if (body === undefined) return req;
  return typeof body === 'string' ? req.set('content-type', 'application/json').send(body) : req.send(body as object);
}

export async function contractDetails(h: Harness, sign?: SignOptions) {
  return h.http.get('/v1.7/permission-access/contract').set(bearer(await signRequest({}, sign)));
}

export async function sampleDataSets(h: Harness, sourceId: string | number, sign?: SignOptions) {
  return h.http.get(`/v1.7/permission-access/sample/datasets/${sourceId}`).set(bearer(await signRequest({}, sign)));
}

/** The sources a `discovery/sources` body selects, as `id:name`. */
export async function sourceNames(h: Harness, body?: unknown): Promise<string[]> {
  const res = await discovery(h, 'sources', body);
  if (res.status !== 200) throw new Error(`discovery/sources answered ${res.status} ${JSON.stringify(res.body)}`);
  return QuerySourcesResponse.parse(res.body).data.map((s) => `${s.id}:${s.name}`);
}
