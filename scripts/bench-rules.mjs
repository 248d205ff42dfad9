#!/usr/bin/env node
// npm run bench:rules: where detection time goes, rule by rule, on the npm-corpus (the text files
// `npm run bench` scans, read in this process): the rules whose searches cost the most, and the
// share of the keyword prefilter. A rule with a common keyword and a regex that cannot start from a
// literal shows up here first; `-- --top N` prints more of the list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileRuleset, detect, loadRuleset } from '../dist/index.js';

const corpus = process.env.KEYLEAK_BENCH_CORPUS ?? path.join(tmpdir(), 'keyleak-npm-corpus');
const tree = path.join(corpus, 'tree');
const topAt = process.argv.indexOf('--top');
const top = topAt === -1 ? 25 : Number(process.argv[topAt + 1]);
const MAX_FILE_BYTES = 10 * 1024 * 1024;

function textFiles(folder) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && statSync(full).size <= MAX_FILE_BYTES) files.push(full);
    }
  };
  walk(folder);
  return files;
}

let files;
try {
  files = textFiles(tree);
} catch {
  console.error(`bench:rules: ${tree} not found; run npm run bench once to build the npm-corpus, or set KEYLEAK_BENCH_CORPUS`);
  process.exit(2);
}

const spec = await loadRuleset({});
const compiled = compileRuleset(spec);
const spent = new Float64Array(compiled.rules.length);
const searches = new Uint32Array(compiled.rules.length);
let current;
let since = 0;
const ruleset = {
  ...compiled,
  searching(rule) {
    const now = performance.now();
    if (current !== undefined) spent[current] += now - since;
    current = rule;
    since = now;
    if (rule !== undefined) searches[rule]++;
  },
};

let bytes = 0;
let prefilterMs = 0;
const started = performance.now();
for (const file of files) {
  const data = readFileSync(file);
  if (data.subarray(0, 8192).includes(0)) continue;
  const text = data.toString('utf8');
  bytes += data.length;
  const before = performance.now();
  compiled.keywords.candidates(text);
  prefilterMs += performance.now() - before;
  detect({ text, provenance: { kind: 'file', path: path.relative(tree, file) } }, ruleset);
}
// The prefilter ran twice per text: once timed here, once inside detect.
const totalMs = performance.now() - started - prefilterMs;
const rulesMs = spent.reduce((sum, ms) => sum + ms, 0);
console.log(`keyleak bench:rules on ${tree}: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB of text, ${compiled.rules.length} rules`);
console.log(`detection ${(totalMs / 1000).toFixed(2)} s: rule searches ${(rulesMs / 1000).toFixed(2)} s, keyword prefilter (one pass per text) ${(prefilterMs / 1000).toFixed(2)} s, the rest (decoding layers, filters, pairing) ${((totalMs - rulesMs - prefilterMs) / 1000).toFixed(2)} s`);
console.log(`costliest rules (ms, searches, whether anchored: tried only where its keywords start):`);
const order = [...spent.keys()].sort((a, b) => spent[b] - spent[a]).slice(0, top);
for (const index of order) console.log(`  ${spent[index].toFixed(0).padStart(6)}  ${String(searches[index]).padStart(7)}  ${compiled.rules[index].spec.anchored ? 'anchored' : '        '}  ${compiled.rules[index].spec.id}`);
