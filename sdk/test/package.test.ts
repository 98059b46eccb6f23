/** The published package and what the client says it is agree. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SDK_VERSION } from '../src/index.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('the digime-sdk-ts package', () => {
  it('sends its own version as the SDK agent version', () => {
    expect(manifest.name).toBe('digime-sdk-ts');
    expect(SDK_VERSION).toBe(manifest.version);
  });

  it('depends on jose and zod only, with playwright-core an optional peer', () => {
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['jose', 'zod']);
    expect(manifest.peerDependenciesMeta['playwright-core']?.optional).toBe(true);
  });
});
