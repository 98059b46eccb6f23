import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The SDK must be publishable on its own: sdk/src may import only itself, Node built-ins, jose
 * and zod. playwright-core is optional: only the browser consent handler may use it, and only as
 * a type import or a dynamic `import()`, so nothing loads it unless that handler runs.
 */
const sdkRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcRoot = join(sdkRoot, 'src');
const allowedPackages = new Set(['jose', 'zod']);
const builtins = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(entry.name) ? [path] : [];
  });
}

interface Import {
  file: string;
  specifier: string;
  kind: 'static' | 'type' | 'dynamic' | 'require';
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const patterns: [RegExp, (m: RegExpExecArray) => Import['kind']][] = [
    [/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm, (m) => (m[2] ? 'type' : 'static')],
    [/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, () => 'dynamic'],
    [/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, () => 'require'],
  ];
  for (const [pattern, kindOf] of patterns) {
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const specifier = m[3] ?? m[1] ?? '';
      found.push({ file: relative(sdkRoot, file), specifier, kind: kindOf(m) });
    }
  }
  return found;
}

const packageName = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);

describe('the SDK stands alone', () => {
  const files = sourceFiles(srcRoot);
  const imports = files.flatMap(importsOf);

  it('finds the sources and their imports', () => {
    expect(files.length).toBeGreaterThan(5);
    expect(imports.some((i) => i.specifier === 'jose')).toBe(true);
  });

  it('imports nothing outside sdk/ but Node built-ins, jose and zod', () => {
    const offending = imports.filter((i) => {
      if (i.specifier.startsWith('.')) {
        const target = resolve(sdkRoot, dirname(i.file), i.specifier);
        return !target.startsWith(srcRoot + '/');
      }
      if (i.specifier.startsWith('node:') || builtins.has(i.specifier)) return false;
      const name = packageName(i.specifier);
      if (allowedPackages.has(name)) return false;
      if (name === 'playwright-core') return i.file !== join('src', 'consent', 'browser.ts') || (i.kind !== 'type' && i.kind !== 'dynamic');
      return true;
    });
    expect(offending).toEqual([]);
  });

  it('never names mock-server', () => {
    const named = files.filter((f) => /mock-server/.test(readFileSync(f, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')));
    expect(named.map((f) => relative(sdkRoot, f))).toEqual([]);
  });

  it('loads playwright-core only lazily', () => {
    const browser = imports.filter((i) => i.specifier === 'playwright-core');
    expect(browser.length).toBeGreaterThan(0);
    expect(browser.every((i) => i.kind === 'type' || i.kind === 'dynamic')).toBe(true);
  });
});
