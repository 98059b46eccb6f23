/**
 * The structure the code's imports draw: no cycles anywhere (type-only imports count too), the
 * core entered only through its public API, and an SDK that imports nothing of the server.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['mock-server', 'sdk', 'contracts', 'scripts', 'test', 'examples', 'bench'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative imports of every source file, resolved to repository paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const folder of FOLDERS) {
    let files: string[] = [];
    try {
      files = sourceFiles(join(root, folder));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const targets: string[] = [];
      for (const re of [IMPORT, DYNAMIC]) {
        for (const m of text.matchAll(re)) {
          const spec = m[1]!;
          if (!spec.startsWith('.')) continue;
          targets.push(relative(root, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
        }
      }
      graph.set(relative(root, file), targets);
    }
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), and files importing themselves. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

const graph = importGraph();

describe('the import structure', () => {
  it('reads the whole tree', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('mock-server/core/authority.ts')).toContain('mock-server/core/consent.ts');
  });

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const withCycle = new Map(graph);
    withCycle.set('mock-server/core/model.ts', [...(graph.get('mock-server/core/model.ts') ?? []), 'mock-server/core/config.ts']);
    expect(cycles(withCycle).length).toBeGreaterThan(0);
  });

  it('enters the core only through its public API (mock-server/core/index.ts)', () => {
    const reaching = [...graph]
      .filter(([file]) => !file.startsWith('mock-server/core/'))
      .flatMap(([file, targets]) =>
        targets.filter((t) => t.startsWith('mock-server/core/') && t !== 'mock-server/core/index.ts').map((t) => `${file} → ${t}`),
      );
    expect(reaching).toEqual([]);
  });

  it('keeps the SDK apart from the server: nothing under sdk/ imports outside sdk/', () => {
    const leaving = [...graph]
      .filter(([file]) => file.startsWith('sdk/'))
      .flatMap(([file, targets]) => targets.filter((t) => !t.startsWith('sdk/')).map((t) => `${file} → ${t}`));
    expect(leaving).toEqual([]);
  });

  it("keeps the SDK's errors free of dependencies", () => {
    expect(graph.get('sdk/src/errors.ts')).toEqual([]);
  });
});
