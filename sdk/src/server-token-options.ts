import { z } from 'zod';
import { checkOptions, functionField } from './arguments.js';

const shape = {
  fetch: functionField('a fetch function'),
  baseUrl: z.string().refine((v) => URL.canParse(v), 'must be an absolute URL'),
  now: functionField('a function returning Unix milliseconds'),
  cacheMs: z.number().finite().nonnegative(),
  clockToleranceMs: z.number().finite().nonnegative(),
} satisfies z.ZodRawShape;

/** `ServerTokenVerifier`'s options, checked: the class is public, and an app may build one. */
export function checkVerifierOptions(options: unknown): void {
  checkOptions('ServerTokenVerifier', options, shape);
}
