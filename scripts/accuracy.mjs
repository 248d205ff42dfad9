#!/usr/bin/env node
// npm run accuracy: first scores fixtures/recall, cases written here from documented syntaxes and
// provider formats (each planted secret found or not, per family, and every finding on a negative
// case; `--recall` stops there); then findings per app on the app fixtures and library artifacts
// (below), then scores keyleak on ../shared/corpus/leaky-repo against its line-level answer key
// (risk items found, lines flagged that hold nothing), then counts findings on the npm-corpus, where
// every finding is a false positive or a documented example.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function scoreRecall() {
  // Every JSON file in fixtures/recall holds cases, so each family can keep its own file.
  const recallDir = path.join(root, 'fixtures', 'recall');
  const cases = readdirSync(recallDir).filter((name) => name.endsWith('.json')).sort().flatMap((name) => JSON.parse(readFileSync(path.join(recallDir, name), 'utf8')).cases);
  const dir = mkdtempSync(path.join(tmpdir(), 'keyleak-recall-'));
  try {
    // One folder per case, so a case's file name is its own and no two cases share a file.
    cases.forEach((item, index) => {
      const file = path.join(dir, String(index), item.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, item.text);
    });
    const report = scanJson('.', dir, ['--no-ignore']);
    const found = cases.map(() => []);
    for (const finding of report.findings) {
      for (const occurrence of finding.occurrences) found[Number(occurrence.path.split('/')[0])]?.push({ ...finding, occurrence });
    }
    const families = new Map();
    const missed = [];
    const falsePositives = [];
    cases.forEach((item, index) => {
      if (item.secret === null) {
        if (found[index].length > 0) falsePositives.push(`${item.path}: ${found[index].map((finding) => finding.ruleId).join(', ')}`);
        return;
      }
      // A case may name the rule that must report it (a provider's secret reported by a generic rule is a miss)
      // and the lines its finding must span (`lines`: a key block from its BEGIN line to its END line).
      const placed = (occurrence) => item.lines === undefined || (occurrence.startLine === item.lines[0] && occurrence.endLine === item.lines[1]);
      const hit = found[index].some((finding) => finding.secret === item.secret && (item.rule === undefined || finding.ruleId === item.rule) && placed(finding.occurrence));
      const tally = families.get(item.family) ?? { found: 0, total: 0 };
      families.set(item.family, { found: tally.found + (hit ? 1 : 0), total: tally.total + 1 });
      if (!hit) missed.push(`${item.family} ${item.path}${item.rule === undefined ? '' : ` (as ${item.rule}; reported as ${found[index].filter((finding) => finding.secret === item.secret).map((finding) => finding.ruleId).join(', ') || 'nothing'})`}: ${JSON.stringify(item.text.trim().split('\n').slice(-3).join(' / ').slice(0, 100))}`);
    });
    const positives = cases.filter((item) => item.secret !== null).length;
    const negatives = cases.length - positives;
    console.log(`recall corpus: ${positives - missed.length} of ${positives} planted secrets found; ${falsePositives.length} of ${negatives} negative cases flagged`);
    console.log(`  by family: ${[...families].map(([name, tally]) => `${name} ${tally.found}/${tally.total}`).join(', ')}`);
    if (process.argv.includes('--verbose')) {
      for (const line of missed) console.log(`  missed ${line}`);
      for (const line of falsePositives) console.log(`  flagged ${line}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

scoreRecall();
if (process.argv.includes('--recall')) process.exit(0);

// Apps: each committed app fixture against its answer key (fixtures/apps/expected.json), where a
// finding whose secret is not planted in that app is a false positive; the library-noise app and
// Debian's Android and JVM library artifacts, where every finding is one; and any app in
// $KEYLEAK_REAL_APPS (real apps no one here built): scored against fixtures/apps/answer-keys.json
// when it lists them, otherwise their findings are listed by rule for review.
{
  const appsDir = path.join(root, 'fixtures', 'apps');
  const planted = JSON.parse(readFileSync(path.join(appsDir, 'expected.json'), 'utf8')).secrets;
  const byApp = new Map();
  for (const entry of planted) byApp.set(entry.artifact, [...(byApp.get(entry.artifact) ?? []), entry.secret]);
  // fixtures/apps/answer-keys.json: the used-keys fixture (by path) and real apps (by file name).
  const answerKeys = JSON.parse(readFileSync(path.join(appsDir, 'answer-keys.json'), 'utf8')).apps;
  const realKey = new Map(answerKeys.map((app) => [app.file, app.secrets.map((entry) => entry.secret)]));
  for (const app of answerKeys) if (app.path !== undefined) byApp.set(app.path, app.secrets.map((entry) => entry.secret));
  const noise = ['out/library-noise.apk', '/usr/share/android-framework-res/framework-res.apk', '/usr/share/java/okhttp.jar', '/usr/share/java/okio.jar', '/usr/share/java/com.android.json.jar'];
  const realDir = process.env.KEYLEAK_REAL_APPS;
  const real = realDir && existsSync(realDir) ? readdirSync(realDir).filter((name) => /\.(?:apk|aab|ipa|jar|aar|xapk)$/i.test(name)).map((name) => path.join(realDir, name)) : [];
  const rows = [];
  let falsePositives = 0;
  for (const app of [...byApp.keys(), ...noise.filter((file) => existsSync(path.resolve(appsDir, file))), ...real]) {
    const findings = scanJson(app, appsDir).findings;
    const expected = new Set(byApp.get(app) ?? realKey.get(path.basename(app)) ?? []);
    const reviewed = !real.includes(app) || realKey.has(path.basename(app));
    const wrongHere = reviewed ? findings.filter((finding) => !expected.has(finding.secret)) : [];
    falsePositives += wrongHere.length;
    const found = [...expected].filter((secret) => findings.some((finding) => finding.secret === secret)).length;
    const rules = [...new Set(findings.map((finding) => finding.ruleId))].join(', ');
    rows.push(`  ${path.basename(app).padEnd(22)} ${String(findings.length).padStart(3)} findings  ${expected.size > 0 ? `${found}/${expected.size} expected found  ` : ''}${reviewed ? `${wrongHere.length} false positives` : `(no answer key: ${rules || 'none'})`}`);
    if (process.argv.includes('--verbose')) for (const finding of reviewed ? wrongHere : findings) rows.push(`    ${reviewed ? 'wrong ' : ''}${finding.ruleId} ${finding.occurrences[0].path} ${JSON.stringify(finding.secret.slice(0, 60))}`);
  }
  console.log(`apps: ${falsePositives} false positives${realDir ? '' : ' (set KEYLEAK_REAL_APPS to a folder of real apps to list their findings too)'}`);
  for (const row of rows) console.log(row);
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

// --ablation: which false-positive filters pay off. Each filter is removed from every rule in turn
// and both corpora are scanned again in-process: findings gained on the npm-corpus are false
// positives the filter prevents; risk items gained on leaky-repo are true secrets it was hiding.
if (process.argv.includes('--ablation') && existsSync(npmTree)) {
  const { loadRuleset, scan, compileRuleset, detect } = await import(path.join(root, 'dist', 'index.js'));
  const { DEFAULT_FILTERS, FILTER_NAMES } = await import(path.join(root, 'dist', 'detect', 'filters.js'));
  const spec = await loadRuleset({}, root);
  const riskFound = (findings) => {
    const hit = new Set();
    for (const finding of findings) for (const o of finding.occurrences) for (const item of risks) if (item.file === o.provenance.path && item.lines.some((line) => line >= o.region.startLine && line <= o.region.endLine)) hit.add(item);
    return hit.size;
  };
  const baseline = { npm: (await scan({ paths: [npmTree], ruleset: spec })).findings.length, leaky: riskFound((await scan({ cwd: leakyRepo, ruleset: spec, useIgnoreFiles: false })).findings) };
  // Negative examples in the rule files that a ruleset reports: each is a near-miss a filter should stop.
  const negativesReported = (ruleset) => {
    const compiled = compileRuleset(ruleset);
    return ruleset.rules.reduce((count, rule) => {
      const at = rule.examples[0]?.path ?? 'input.txt';
      return count + rule.negativeExamples.filter((text) => detect({ text, provenance: { kind: 'file', path: at } }, compiled).some((hit) => hit.ruleId === rule.id)).length;
    }, 0);
  };
  console.log(`filter ablation (baseline: npm-corpus ${baseline.npm} findings, leaky-repo ${baseline.leaky} risk items, ${negativesReported(spec)} rule negative examples reported)`);
  for (const name of FILTER_NAMES) {
    const without = {
      ...spec,
      rules: spec.rules.map((rule) => ({
        ...rule,
        defaultFilters: false,
        filters: [...new Set([...(rule.defaultFilters ? DEFAULT_FILTERS : []), ...rule.filters])].filter((filter) => filter !== name),
      })),
    };
    const npm = (await scan({ paths: [npmTree], ruleset: without })).findings.length;
    const leaky = riskFound((await scan({ cwd: leakyRepo, ruleset: without, useIgnoreFiles: false })).findings);
    console.log(`  without ${name.padEnd(18)} npm-corpus ${String(npm).padStart(5)} (+${npm - baseline.npm})  leaky-repo risk items ${leaky} (${leaky - baseline.leaky >= 0 ? '+' : ''}${leaky - baseline.leaky})  rule negatives reported ${negativesReported(without)}`);
  }
}
