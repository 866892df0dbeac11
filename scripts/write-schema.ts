/**
 * Writes schemas/rule.schema.json from RULE_SCHEMA, the same object the server validates with,
 * so editors, the CLI and the API cannot disagree. `npm run schema` (add `-- --check` to only compare).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { RULE_SCHEMA } from '../src/contracts/rule.js';

export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'rule.schema.json');

/** The file's text: RULE_SCHEMA as JSON, formatted the way `npm run format` would leave it. */
export async function renderSchema(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(RULE_SCHEMA), { ...options, parser: 'json', filepath: SCHEMA_FILE });
}

async function main(): Promise<void> {
  const text = await renderSchema();
  const shown = relative(process.cwd(), SCHEMA_FILE);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // missing: reported below as out of date
    }
    if (current !== text) {
      console.error(`${shown} is out of date: run npm run schema`);
      process.exit(1);
    }
    console.log(`${shown} is up to date`);
    return;
  }
  writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${shown}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
