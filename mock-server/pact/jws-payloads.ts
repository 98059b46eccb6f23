/**
 * What Pact cannot see: the payload of the JWS tokens digi.me answers with. A pact matches such a
 * token by form only (three base64url parts), yet the consumer depends on what is inside, e.g.
 * `access_token.value` and `expires_on`. The consumer's example token does carry an example
 * payload, though, so this check holds the provider's tokens to that example's shape, the way
 * Pact's `like` would: every field of the example present, with the same JSON type (extra fields
 * are fine). It reads the responses as the request filter passes them back (`observe`), for every
 * interaction whose recorded response body has a JWS `token`.
 */
import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  body: Buffer;
}

interface PactInteraction {
  description: string;
  /** Absent on message interactions, which have no HTTP exchange to check. */
  request?: { method: string; path: string };
  /** V4 wraps the body as `{content, contentType, encoded}`; V2/V3 hold it as it is. */
  response?: { status: number; body?: unknown };
}

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Where `actual` lacks a field of `expected`, or has it with another JSON type. */
export function shapeMismatches(expected: unknown, actual: unknown, at = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(expected) !== kind(actual)) return [`${at}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (Array.isArray(expected)) {
    const [template] = expected;
    return template === undefined ? [] : (actual as unknown[]).flatMap((item, i) => shapeMismatches(template, item, `${at}[${i}]`));
  }
  if (kind(expected) === 'object') {
    const got = actual as Record<string, unknown>;
    return Object.entries(expected as Record<string, unknown>).flatMap(([name, value]) =>
      name in got ? shapeMismatches(value, got[name], `${at}.${name}`) : [`${at}.${name}: missing`],
    );
  }
  return [];
}

export class JwsPayloadCheck {
  /** `"METHOD /path STATUS"` → the example payloads recorded for it (with their interaction). */
  readonly #examples = new Map<string, { description: string; payload: Record<string, unknown> }[]>();
  readonly #mismatches: string[] = [];
  #checked = 0;

  constructor(pactFiles: string[]) {
    for (const file of pactFiles) {
      const pact = JSON.parse(readFileSync(file, 'utf8')) as { interactions?: PactInteraction[] };
      for (const interaction of pact.interactions ?? []) {
        if (!interaction.request || !interaction.response) continue;
        const body = interaction.response.body as { content?: unknown } | undefined;
        const content = (body && typeof body === 'object' && 'content' in body ? body.content : body) as Record<string, unknown> | undefined;
        const token = content && typeof content === 'object' ? content.token : undefined;
        if (typeof token !== 'string' || !JWS.test(token)) continue;
        const key = `${interaction.request.method.toUpperCase()} ${interaction.request.path} ${interaction.response.status}`;
        this.#examples.set(key, [...(this.#examples.get(key) ?? []), { description: interaction.description, payload: decodeJwt(token) }]);
      }
    }
  }

  /** How many provider tokens were checked. */
  get checked(): number {
    return this.#checked;
  }

  /** Each provider token whose payload lacks the shape of its example, described. */
  get mismatches(): readonly string[] {
    return this.#mismatches;
  }

  observe({ method, path, status, body }: ObservedResponse): void {
    const examples = this.#examples.get(`${method.toUpperCase()} ${path} ${status}`);
    if (!examples) return;
    let token: unknown;
    try {
      token = (JSON.parse(body.toString('utf8')) as { token?: unknown }).token;
    } catch {
      return; // Not JSON: Pact's own body matching reports that.
    }
    if (typeof token !== 'string' || !JWS.test(token)) return; // Pact's regex reports that.
    this.#checked++;
    let payload: unknown;
    try {
      payload = decodeJwt(token);
    } catch {
      this.#mismatches.push(`${method} ${path}: the token's payload is not JSON`);
      return;
    }
    // Several interactions may share a request (exchange and refresh): the token must fit one of them.
    const problems = examples.map(({ description, payload: example }) => ({ description, found: shapeMismatches(example, payload) }));
    if (problems.some((p) => p.found.length === 0)) return;
    const why = problems.map(({ description, found }) => `"${description}": ${found.join(', ')}`).join('; ');
    this.#mismatches.push(`${method.toUpperCase()} ${path} ${status}: the token payload does not have the shape of ${why}`);
  }
}
