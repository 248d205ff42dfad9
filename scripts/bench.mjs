#!/usr/bin/env node
// npm run bench: builds the npm-corpus once (cached in the temp folder), then times `keyleak scan`
// on it with default threads and with --threads 1, best of three runs (`-- --runs N`): MB/s, files/s,
// peak RSS, finding count, and the ratio to gitleaks' time on the same corpus.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const corpusScript = path.resolve(root, '../shared/corpus/make-npm-corpus.sh');
const corpus = process.env.KEYLEAK_BENCH_CORPUS ?? path.join(tmpdir(), 'keyleak-npm-corpus');
const tree = path.join(corpus, 'tree');

if (!existsSync(tree)) {
  if (!existsSync(corpusScript)) {
    console.error(`bench: ${corpusScript} not found; set KEYLEAK_BENCH_CORPUS to a folder holding tree/`);
    process.exit(2);
  }
  console.log(`building the npm-corpus in ${corpus} ...`);
  const built = spawnSync('bash', [corpusScript, corpus], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 2);
}

const bin = path.join(root, 'bin', 'keyleak.js');
const report = path.join(tmpdir(), `keyleak-bench-${process.pid}.json`);

/** gitleaks 8.30.1 on the same corpus on a 2-core machine, from ../shared/corpus/README.md. */
const GITLEAKS_SECONDS = 137;
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt === -1 ? 3 : Number(process.argv[runsAt + 1]);

/** The fastest of RUNS runs, as bench:git does: other work on the machine only ever slows a run down. */
function measure(label, extraArgs) {
  const runs = Array.from({ length: RUNS }, () => once(extraArgs));
  const best = runs.reduce((fastest, run) => (run.seconds < fastest.seconds ? run : fastest));
  const { seconds, peakKb, findings, stats } = best;
  const megabytes = stats.bytes / 1024 / 1024;
  console.log(
    `${label.padEnd(16)} ${seconds.toFixed(2)} s  ${(megabytes / seconds).toFixed(1)} MB/s  ${(stats.files / seconds).toFixed(0)} files/s  ` +
      `peak RSS ${(Math.max(...runs.map((run) => run.peakKb)) / 1024).toFixed(0)} MB  ${stats.files} files ${megabytes.toFixed(0)} MB scanned  ${findings.length} findings  ` +
      `(${(GITLEAKS_SECONDS / seconds).toFixed(1)}× gitleaks' ${GITLEAKS_SECONDS} s; runs ${runs.map((run) => run.seconds.toFixed(2)).join(', ')})`,
  );
  return findings;
}

function once(extraArgs) {
  // GNU time reports the peak RSS of the whole process tree's largest process; worker threads share it.
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, bin, 'scan', tree, '--format', 'json', '--output', report, ...extraArgs], { encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) {
    console.error(run.stderr);
    process.exit(2);
  }
  const [seconds, peakKb] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  const { findings, stats } = JSON.parse(readFileSync(report, 'utf8'));
  return { seconds, peakKb, findings, stats };
}

console.log(`keyleak bench on ${tree}, best of ${RUNS} (--runs N)`);
const findings = measure('default threads', []);
measure('--threads 1', ['--threads', '1']);
const byRule = new Map();
for (const finding of findings) byRule.set(finding.ruleId, (byRule.get(finding.ruleId) ?? 0) + 1);
console.log(`findings by rule: ${[...byRule].sort((a, b) => b[1] - a[1]).map(([rule, count]) => `${rule} ${count}`).join(', ') || 'none'}`);
rmSync(report, { force: true });
