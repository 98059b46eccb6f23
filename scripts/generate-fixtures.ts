/**
 * Regenerates the users' data fixtures (`fixtures/users/<id>/data/*.json`) from fixed seeds, byte
 * for byte: `npx tsx scripts/generate-fixtures.ts [--out <fixtures folder>] [--check]`.
 * `--check` writes nothing and fails when a committed file differs. Users' `user.json` files are
 * written by hand.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generatedFixtures } from './fixtures/users.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function main(): number {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, check: { type: 'boolean', default: false } },
  });
  const out = resolve(values.out ?? join(root, 'fixtures'));
  let stale = 0;
  for (const [path, content] of generatedFixtures()) {
    const file = join(out, path);
    if (values.check) {
      const same = existsSync(file) && readFileSync(file, 'utf8') === content;
      if (!same) {
        stale++;
        console.error(`differs: ${file}`);
      }
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    console.log(`wrote ${file} (${(Buffer.byteLength(content) / 1024).toFixed(0)} KiB)`);
  }
  return stale ? 1 : 0;
}

process.exitCode = main();
