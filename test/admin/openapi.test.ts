/**
 * `GET /__admin/openapi.json`: a valid OpenAPI 3.1 document (checked with an OpenAPI validator) of
 * every admin route, whose schemas are the ones that validate the requests.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '../../mock-server/wire/admin.js';
import { createHarness } from '../support/harness.js';

type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };
type Operation = {
  summary?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: { 'application/json': { schema: Record<string, any> } } };
  responses: Record<string, { content?: { 'application/json': { schema: Record<string, any> } } }>;
};

/** `METHOD /path` of every route in the table that the document lacks. */
function missingRoutes(doc: Doc, routes: readonly { method: string; path: string }[]): string[] {
  return routes
    .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:(\w+)/g, '{$1}') }))
    .filter((r) => !doc.paths[r.path]?.[r.method])
    .map((r) => `${r.method.toUpperCase()} ${r.path}`);
}

async function fetchDoc(): Promise<Doc> {
  const h = await createHarness();
  const res = await h.http.get('/__admin/openapi.json').expect(200);
  expect(res.headers['content-type']).toContain('application/json');
  return res.body as Doc;
}

describe('GET /__admin/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('has every route of the admin route table, each with a summary, and nothing else', async () => {
    const doc = await fetchDoc();
    expect(missingRoutes(doc, adminRoutes)).toEqual([]);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented).toHaveLength(adminRoutes.length);
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(op.summary).toBeTruthy();
    // The check has teeth: a document without a route fails it.
    const { ['/__admin/keys/rotate']: _dropped, ...rest } = doc.paths;
    expect(missingRoutes({ ...doc, paths: rest }, adminRoutes)).toEqual(['POST /__admin/keys/rotate']);
  });

  it("has every call the README's admin table names", async () => {
    const doc = await fetchDoc();
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const named = [...readme.matchAll(/`(GET|POST|PUT|DELETE) (\/__admin\/[^`\s]*)`/g)].map((m) => ({ method: m[1]!, path: m[2]!.replace(/\?.*$/, '') }));
    expect(named.length).toBeGreaterThan(15);
    expect(missingRoutes(doc, named)).toEqual([]);
  });

  it('describes requests with the schemas that validate them', async () => {
    const doc = await fetchDoc();
    const faults = doc.paths['/__admin/faults']!.post!;
    const body = faults.requestBody!.content['application/json'].schema;
    expect(body.required).toEqual(['match']);
    expect(body.properties.respond.properties.status).toMatchObject({ type: 'integer', minimum: 400, maximum: 599 });
    expect(body.properties.match.properties.grantType.enum).toEqual(['refresh_token', 'authorization_code']);
    expect(faults.responses['201']!.content!['application/json'].schema.properties.id).toEqual({ type: 'string' });
    const journal = doc.paths['/__admin/requests']!.get!;
    expect(journal.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(['query:limit', 'query:path', 'query:clientId', 'query:userId', 'query:status', 'query:since']);
    expect(doc.paths['/__admin/users/{id}']!.delete!.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(doc.paths['/__admin/clock']!.post!.requestBody!.content['application/json'].schema.additionalProperties).toBe(false);
  });
});
