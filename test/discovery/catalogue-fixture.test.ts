/**
 * The catalogue fixture (`<fixtures>/catalogue.json`, docs/protocol.md §9.1) is checked at start
 * against itself and the users' accounts, with errors naming the file and the field; a fixtures
 * folder without one serves its users' own sources.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHarness } from '../support/harness.js';
import { discovery, QuerySourcesResponse, sampleDataSets } from '../support/discovery.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));
const original = JSON.parse(readFileSync(join(FIXTURES, 'catalogue.json'), 'utf8'));

/** A copy of the project's fixtures with the catalogue changed (or removed, for `null`). */
function fixturesWithCatalogue(change: ((catalogue: any) => unknown) | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
  cpSync(FIXTURES, dir, { recursive: true });
  const file = join(dir, 'catalogue.json');
  if (change === null) rmSync(file);
  else {
    const catalogue = structuredClone(original);
    const replaced = change(catalogue);
    writeFileSync(file, typeof replaced === 'string' ? replaced : JSON.stringify(replaced ?? catalogue));
  }
  return dir;
}

const without = (id: number) => (c: any) => void (c.sources = c.sources.filter((s: any) => s.id !== id));

describe('the catalogue fixture', () => {
  const invalid: [string, (c: any) => unknown, RegExp][] = [
    ['a source an account uses is missing', without(138), /catalogue\.json: sources: user "demo", accounts\.2 \("3_138_demo-bank"\) uses source 138, which is not listed/],
    ["a source's service differs from the accounts' service type", (c) => void (c.sources.find((s: any) => s.id === 19).service.id = 20), /catalogue\.json: sources\.2\.service\.id: is 20, but user "alex", accounts\.0 .*serviceTypeId 19/],
    ['two sources share an id', (c) => void c.sources.push({ ...c.sources[0], name: 'Twin' }), /catalogue\.json: sources: id 1 is listed twice/],
    ['a source names an unknown country', (c) => void c.sources[1].countries.push(36), /catalogue\.json: sources\.1\.countries\.3: 36 is not in countries/],
    ['a source type other than 1 or 2', (c) => void (c.sources[0].type = 3), /catalogue\.json: sources\.0\.type/],
    ['an unknown published status', (c) => void (c.sources[0].publishedStatus = 'live'), /catalogue\.json: sources\.0\.publishedStatus/],
    ['an unknown field', (c) => void (c.sources[0].colour = 'blue'), /catalogue\.json: sources\.0: .*colour/],
    ['no sources', () => ({ countries: [] }), /catalogue\.json: sources: /],
    ['broken JSON', () => '{"sources": [', /catalogue\.json is not valid JSON/],
  ];
  for (const [what, change, message] of invalid) {
    it(`stops the start when ${what}, naming the file and field`, async () => {
      await expect(createHarness({ fixturesDir: fixturesWithCatalogue(change) })).rejects.toThrow(message);
    });
  }

  it("without a catalogue file, serves one approved pull source per account's source", async () => {
    const h = await createHarness({ fixturesDir: fixturesWithCatalogue(null) });
    const res = await discovery(h, 'sources');
    expect(QuerySourcesResponse.parse(res.body).data.map((s) => [s.id, s.name, s.publishedStatus, s.service?.id])).toEqual([
      [4, 'Instagram', 'approved', 4],
      [19, 'Spotify', 'approved', 19],
      [138, 'Demo Bank', 'approved', 138],
    ]);
    expect((await discovery(h, 'countries')).body).toEqual({ data: [] });
    expect(Object.keys((await sampleDataSets(h, 4)).body).sort()).toEqual(['alex', 'demo']);
  });
});
