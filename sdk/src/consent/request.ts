import { z } from 'zod';
import { checkOptions, functionField, nonEmptyString, signalField } from '../arguments.js';
import type { ConsentRequest } from './types.js';

const absoluteUrl = nonEmptyString.refine((v) => URL.canParse(v), 'must be an absolute URL');

const requestShape = {
  url: absoluteUrl,
  redirectUri: absoluteUrl,
  state: nonEmptyString,
  fetch: functionField('a fetch function'),
  signal: signalField,
} satisfies z.ZodRawShape;

/** A consent handler's request, checked: handlers are public functions, and may be called directly. */
export function checkConsentRequest(request: unknown): ConsentRequest {
  return checkOptions<ConsentRequest>('the consent handler', request, requestShape);
}
