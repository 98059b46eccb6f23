/** Validation messages: one line that names each bad field. */

/** What this needs of a zod issue (zod's `issues` fit). */
export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `ttl.accessToken: Too small: expected number to be >0; port: …`, with `root` for the whole value. */
export function formatIssues(issues: readonly Issue[], root = '(root)'): string {
  return issues.map((i) => `${i.path.map(String).join('.') || root}: ${i.message}`).join('; ');
}
