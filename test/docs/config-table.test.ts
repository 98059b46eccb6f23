/** The README's configuration table is the one generated from the declared settings. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SETTINGS } from '../../mock-server/core/index.js';
import { configTable, README_PATH, withConfigTable } from '../../scripts/config-table.js';

it('README.md has the configuration table of mock-server/core/settings.ts (npx tsx scripts/config-table.ts --write)', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  expect(readme).toContain(configTable());
  expect(withConfigTable(readme)).toBe(readme);
});

it('the table has a row for every setting, with its flag and variable', () => {
  const table = configTable();
  for (const s of SETTINGS) {
    const row = table.split('\n').find((line) => line.startsWith(`| \`${s.key}\` |`));
    expect(row, s.key).toBeDefined();
    if (s.flag) expect(row).toContain(`\`${s.flag}\``);
    if (s.env) expect(row).toContain(`\`${s.env}\``);
  }
});
