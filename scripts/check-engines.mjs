#!/usr/bin/env node
/**
 * CI: the Node we run on is one every installed package supports (issue 16 item 6).
 *
 *   node scripts/check-engines.mjs              every package in node_modules whose engines.node excludes this Node
 *   node scripts/check-engines.mjs npm-ci.log   also: an EBADENGINE warning in that `npm ci` output
 *
 * Exits 1 with one line per problem, 0 with one line saying what was checked.
 */
/* global console, process */
/* eslint-disable @typescript-eslint/no-unsafe-assignment -- JSON.parse and require() are untyped in a plain script; the JSDoc says what they hold */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// semver ships with npm itself, and is in node_modules through several of our dependencies.
const semver = /** @type {{ satisfies(v: string, range: string, o?: object): boolean }} */ (
  createRequire(join(ROOT, 'package.json'))('semver')
);

/**
 * Every package.json under node_modules (scoped and nested ones too).
 * @param {string} dir
 * @returns {string[]}
 */
function packages(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (name.startsWith('@')) {
      out.push(...packages(path));
      continue;
    }
    if (existsSync(join(path, 'package.json'))) out.push(join(path, 'package.json'));
    out.push(...packages(join(path, 'node_modules')));
  }
  return out;
}

const node = process.versions.node;
const problems = [];
const own = /** @type {{ engines?: { node?: string } }} */ (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
if (own.engines?.node && !semver.satisfies(node, own.engines.node))
  problems.push(`this project needs node ${own.engines.node}; running ${node}`);

const files = packages(join(ROOT, 'node_modules'));
for (const file of files) {
  const pkg = /** @type {{ name?: string; version?: string; engines?: { node?: string } }} */ (JSON.parse(readFileSync(file, 'utf8')));
  const range = pkg.engines?.node;
  if (typeof range !== 'string' || !pkg.name) continue;
  if (!semver.satisfies(node, range, { includePrerelease: true }))
    problems.push(`${pkg.name}@${pkg.version} requires node ${range}; running ${node} (${file.slice(ROOT.length + 1)})`);
}

const log = process.argv[2];
if (log) for (const line of readFileSync(log, 'utf8').split('\n')) if (line.includes('EBADENGINE')) problems.push(`npm: ${line.trim()}`);

for (const p of problems) console.error(p);
if (problems.length) process.exit(1);
console.log(
  `engines: node ${node} satisfies every one of ${files.length} installed packages${log ? `, and ${log} has no EBADENGINE` : ''}`,
);
