#!/usr/bin/env node
// npm run accuracy: scores keyleak on ../shared/corpus/leaky-repo against its line-level answer key
// (risk items found, lines flagged that hold nothing), then counts findings on the npm-corpus, where
// every finding is a false positive or a documented example.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const corpusDir = path.resolve(root, '../shared/corpus');
const leakyRepo = path.join(corpusDir, 'leaky-repo');
const bin = path.join(root, 'bin', 'keyleak.js');

function scanJson(target, cwd, extra = []) {
  const run = spawnSync(process.execPath, [bin, 'scan', target, '--format', 'json', '--no-redact', '--fail-on', 'note', ...extra], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0 && run.status !== 1) {
    console.error(run.stderr);
    process.exit(2);
  }
  return JSON.parse(run.stdout);
}

function family(ruleId) {
  return ruleId.split('-')[0];
}

if (!existsSync(leakyRepo)) {
  console.error(`accuracy: ${leakyRepo} not found`);
  process.exit(2);
}
const truth = JSON.parse(readFileSync(path.join(corpusDir, 'leaky-repo.truth.json'), 'utf8'));
const report = scanJson('.', leakyRepo, ['--no-ignore']);

const items = Object.entries(truth.files).flatMap(([file, entry]) => entry.line_items.map((item) => ({ file, ...item, hitBy: new Set() })));
const wrong = [];
for (const finding of report.findings) {
  for (const occurrence of finding.occurrences) {
    const lines = new Set();
    for (let line = occurrence.startLine; line <= occurrence.endLine; line++) lines.add(line);
    const matched = items.filter((item) => item.file === occurrence.path && item.lines.some((line) => lines.has(line)));
    if (matched.length === 0) wrong.push(`${occurrence.path}:${occurrence.startLine} ${finding.ruleId} ${JSON.stringify(finding.secret.slice(0, 40))}`);
    for (const item of matched) item.hitBy.add(finding.ruleId);
  }
}
const risks = items.filter((item) => item.kind === 'risk');
const found = risks.filter((item) => item.hitBy.size > 0);
const infos = items.filter((item) => item.kind === 'info');
console.log(`leaky-repo: ${found.length} of ${risks.length} risk items found; ${infos.filter((item) => item.hitBy.size > 0).length} of ${infos.length} info items flagged; ${wrong.length} findings on lines that hold nothing`);
const byFamily = new Map();
for (const item of found) for (const rule of item.hitBy) byFamily.set(family(rule), (byFamily.get(family(rule)) ?? 0) + 1);
console.log(`  risk items by rule family: ${[...byFamily].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`).join(', ')}`);
if (process.argv.includes('--verbose')) {
  for (const item of risks.filter((risk) => risk.hitBy.size === 0)) console.log(`  missed ${item.file}:${item.lines.join(',')} ${item.text}`);
  for (const line of wrong) console.log(`  wrong  ${line}`);
}

const npmTree = process.env.KEYLEAK_BENCH_CORPUS ? path.join(process.env.KEYLEAK_BENCH_CORPUS, 'tree') : path.join(tmpdir(), 'keyleak-npm-corpus', 'tree');
if (!existsSync(npmTree)) {
  console.log(`npm-corpus: not built (run npm run bench first, or set KEYLEAK_BENCH_CORPUS)`);
} else {
  const npm = scanJson(npmTree, root);
  const byRule = new Map();
  for (const finding of npm.findings) byRule.set(finding.ruleId, (byRule.get(finding.ruleId) ?? 0) + 1);
  console.log(`npm-corpus: ${npm.findings.length} findings (${[...byRule].sort((a, b) => b[1] - a[1]).map(([rule, count]) => `${rule} ${count}`).join(', ') || 'none'})`);
  if (process.argv.includes('--verbose')) {
    for (const finding of npm.findings) console.log(`  ${finding.ruleId} ${finding.occurrences[0].path}:${finding.occurrences[0].startLine} ${JSON.stringify(finding.secret.slice(0, 60))}`);
  }
}
