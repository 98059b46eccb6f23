/**
 * The admin API as an OpenAPI 3.1 document (`GET /__admin/openapi.json`), generated from the admin
 * route table: each route's summary, and JSON Schemas (2020-12, OpenAPI 3.1's dialect) made with
 * zod's `z.toJSONSchema` from the very schemas that validate its query, body and answer.
 */
import { z } from 'zod';
import type { AdminRoute } from './admin-route.js';
import { ErrorBody } from './admin-schemas.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });

/** `/__admin/users/:id` → `/__admin/users/{id}`, and the names of its path parameters. */
function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg;
      params.push(seg.slice(1));
      return `{${seg.slice(1)}}`;
    })
    .join('/');
  return { path: converted, params };
}

function queryParameters(schema: z.ZodType): object[] {
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: json.required?.includes(name) ?? false,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

export function buildOpenApi(routes: readonly AdminRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { path, params } = openApiPath(route.path);
    const { doc } = route;
    const parameters = [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...(doc.query ? queryParameters(doc.query) : []),
    ];
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(doc.body ? { requestBody: { required: true, content: jsonContent(schemaOf(doc.body, 'input')) } } : {}),
      responses: {
        [String(doc.answer.status)]: {
          description: doc.answer.description,
          ...(doc.answer.schema ? { content: jsonContent(schemaOf(doc.answer.schema, 'output')) } : {}),
        },
        default: { description: "An error, in digi.me's error shape", content: jsonContent(schemaOf(ErrorBody, 'output')) },
      },
    };
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'digi.me mock: the control plane (/__admin)',
      version,
      description:
        "The mock's own API beside digi.me's: clock, app contracts, tokens, reset, state, faults, the request journal, keys, users and Pact provider states. See docs/protocol.md §8.10.",
    },
    // Open unless the mock runs with an admin token; health never needs it.
    security: [{}, { adminToken: [] }],
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'Only when the mock runs with an admin token (admin.token).' } },
    },
    paths,
  };
}
