#!/usr/bin/env node
// The `journey` CLI (docs/rules-as-code.md): runs the compiled CLI in dist/, built by `npm run build`.
/* global console, process, URL */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(`journey: the CLI is not built yet: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}`);
  process.exit(1);
}
// A plain-JS shim: the types live in src/cli/main.ts.
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
const cli = /** @type {{ main: () => Promise<void> }} */ (await import(entry.href));
await cli.main();
