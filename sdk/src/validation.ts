import type { z } from 'zod';
import type { ValidationIssue } from './errors.js';

/** zod issues as `{path, message}`, paths dotted and prefixed (e.g. `oAuthToken.accessToken.value`). */
export function issuesOf(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => {
    const parts = [prefix, ...issue.path.map(String)].filter((p) => p !== '');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown option(s) ${issue.keys.join(', ')}`;
    return { path: parts.join('.'), message };
  });
}
