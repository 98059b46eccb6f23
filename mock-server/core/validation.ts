/** Validation messages: one line that names each bad field. */
import { ApiError } from './errors.js';

/** What this needs of a zod issue (zod's `issues` fit). */
export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `ttl.accessToken: Too small: expected number to be >0; port: …`, with `root` for the whole value. */
export function formatIssues(issues: readonly Issue[], root = '(root)'): string {
  return issues.map((i) => `${i.path.map(String).join('.') || root}: ${i.message}`).join('; ');
}

/** What this needs of a zod schema. */
interface Parser<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}

/** The control plane's input, parsed; a bad one is 400 ValidationErrors naming the field. */
export function parseInput<T>(schema: Parser<T>, input: unknown, root = '(body)'): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new ApiError('ValidationErrors', `Parameter validation errors: ${formatIssues(result.error.issues, root)}`, 400);
  return result.data;
}
