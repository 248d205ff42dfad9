#!/usr/bin/env node
// npm run bench:git: times `keyleak git` (every commit of every ref) on a large repository next to
// the floor of the patch-based approach, `git log -p -U0 --full-history --all` printing to /dev/null.
// The repository is not part of keyleak: point KEYLEAK_BENCH_GIT_REPO at a clone (at least 5,000
// commits; expressjs/express has 11,467 on 3,890 refs). Also times `keyleak git --staged` on a
// one-file change, the pre-commit path.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin', 'keyleak.js');
const repo = process.env.KEYLEAK_BENCH_GIT_REPO ?? '/work/.mirror/expressjs+express/repo';
if (!existsSync(repo)) {
  console.error(`bench:git: ${repo} not found; set KEYLEAK_BENCH_GIT_REPO to a clone with at least 5,000 commits`);
  process.exit(2);
}

function seconds(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  if (run.status !== 0 && run.status !== 1) {
    console.error(run.stderr?.toString());
    process.exit(2);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function best(runs, measure) {
  return Math.min(...Array.from({ length: runs }, measure));
}

const commits = execFileSync('git', ['rev-list', '--all', '--count'], { cwd: repo, encoding: 'utf8' }).trim();
const refs = execFileSync('git', ['for-each-ref', '--format=x'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean).length;
console.log(`keyleak bench:git on ${repo} (${commits} commits, ${refs} refs), best of 3`);
const floor = best(3, () => seconds('git', ['log', '-p', '-U0', '--full-history', '--all'], { cwd: repo }));
// What keyleak asks git for since merges are read too (--cc: a secret added while resolving a merge).
const mergeFloor = best(3, () => seconds('git', ['log', '-p', '-U0', '--cc', '--text', '--full-history', '--all'], { cwd: repo }));
const keyleak = best(3, () => seconds(process.execPath, [bin, 'git', repo, '--format', 'json', '--output', path.join(tmpdir(), 'keyleak-bench-git.json')]));
console.log(`git log -p -U0 --full-history --all > /dev/null   ${floor.toFixed(2)} s`);
console.log(`  the same with --cc --text (merges too)          ${mergeFloor.toFixed(2)} s`);
console.log(`keyleak git (all refs)                             ${keyleak.toFixed(2)} s   ${(keyleak / floor).toFixed(2)}× the floor, ${(keyleak / mergeFloor).toFixed(2)}× with merges`);

const staged = mkdtempSync(path.join(tmpdir(), 'keyleak-staged-'));
execFileSync('git', ['init', '-q'], { cwd: staged });
writeFileSync(path.join(staged, 'app.js'), 'export const answer = 42;\n');
execFileSync('git', ['add', 'app.js'], { cwd: staged });
const pre = best(5, () => seconds(process.execPath, [bin, 'git', '--staged'], { cwd: staged }));
rmSync(staged, { recursive: true, force: true });
console.log(`keyleak git --staged, one-file change (whole process) ${(pre * 1000).toFixed(0)} ms`);
