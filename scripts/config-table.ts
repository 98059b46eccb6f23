/**
 * The README's configuration table, generated from the settings declared in
 * mock-server/core/settings.ts: `npx tsx scripts/config-table.ts` prints it, `--write` rewrites it
 * in README.md (between its config-table markers), `--check` writes nothing and fails when
 * README.md differs. `npm test` runs the check (test/docs/config-table.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultText, SETTINGS, type Setting } from '../mock-server/core/index.js';

export const README_PATH = new URL('../README.md', import.meta.url);
const START = '<!-- config-table: generated from mock-server/core/settings.ts by `npx tsx scripts/config-table.ts --write` -->';
const END = '<!-- /config-table -->';

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replaceAll('|', '\\|');

function meaning(s: Setting): string {
  const values = s.values ? ` One of ${s.values.map(code).join(', ')}.` : '';
  return cell(s.doc + values);
}

/** The table, one row a setting, in declaration order. */
export function configTable(): string {
  const rows = SETTINGS.map((s) => {
    const value = defaultText(s);
    const dflt = s.defaultText !== undefined || value === 'none' ? value : code(value);
    return `| ${code(s.key)} | ${s.flag ? code(s.flag) : ''} | ${s.env ? code(s.env) : ''} | ${cell(dflt)} | ${meaning(s)} |`;
  });
  return ['| setting | flag | environment | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the table between its markers replaced by the generated one. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${START}" … "${END}" markers`);
  return `${readme.slice(0, start + START.length)}\n\n${configTable()}\n\n${readme.slice(end)}`;
}

function main(): void {
  const { values } = parseArgs({ options: { write: { type: 'boolean' }, check: { type: 'boolean' } }, strict: true });
  if (!values.write && !values.check) {
    process.stdout.write(configTable() + '\n');
    return;
  }
  const readme = readFileSync(README_PATH, 'utf8');
  const expected = withConfigTable(readme);
  if (values.check) {
    if (expected !== readme) {
      process.stderr.write('README.md: the configuration table differs from mock-server/core/settings.ts; run npx tsx scripts/config-table.ts --write\n');
      process.exit(1);
    }
    return;
  }
  if (expected !== readme) writeFileSync(README_PATH, expected);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
