import { errors } from '../core/index.js';
import type { WireRequest } from './types.js';

/** The body as JSON (undefined when empty); malformed JSON is digi.me's ValidationErrors. */
export function jsonBody(req: WireRequest): unknown {
  if (!req.body || req.body.length === 0) return undefined;
  const text = Buffer.from(req.body).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw errors.validation('the body is not valid JSON');
  }
}

/** An `application/x-www-form-urlencoded` body (the consent page's form). */
export function formBody(req: WireRequest): URLSearchParams {
  if (!req.body) return new URLSearchParams();
  return new URLSearchParams(Buffer.from(req.body).toString('utf8'));
}
