#!/usr/bin/env node
// Run by `npm run build` (and `npm run release`) after tsc: stores the built-in rules parsed in
// <dist>/rules.json, so a start skips parsing them (src/ruleset/precompiled.ts says when it may).
// Usage: node scripts/precompile-rules.mjs [dist folder, default ./dist] [rules folder, default the dist folder's sibling rules/]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
const rules = path.resolve(process.argv[3] ?? path.join(dist, '..', 'rules'));
const { precompileBuiltinRules } = await import(pathToFileURL(path.join(dist, 'ruleset', 'load.js')).href);
const written = await precompileBuiltinRules(path.join(dist, 'rules.json'), rules);
// Not an error here: the rules' own problems are reported by every run and by the tests.
if (written === undefined) console.error('precompile-rules: a built-in rule file does not load cleanly; rules are parsed at each start');
