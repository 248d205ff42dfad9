#!/usr/bin/env node
// npm run bench:staged: the pre-commit path. Times `keyleak git --staged` on a one-file change next
// to a bare `node -e 0` (the floor no Node program goes under), interleaved so the machine's load
// falls on both alike, and prints min and median wall time and, where GNU time is installed, CPU
// time (user + system, git's child processes included).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin', 'keyleak.js');
const rounds = Number(process.env.KEYLEAK_BENCH_ROUNDS ?? 15);
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const repo = mkdtempSync(path.join(tmpdir(), 'keyleak-staged-'));
execFileSync('git', ['init', '-q'], { cwd: repo });
writeFileSync(path.join(repo, 'app.js'), 'export const answer = 42;\n');
execFileSync('git', ['add', 'app.js'], { cwd: repo });

/** Wall milliseconds and, with GNU time, CPU milliseconds of one run. */
function measure(args) {
  const command = gnuTime ?? process.execPath;
  const started = process.hrtime.bigint();
  const run = spawnSync(command, gnuTime ? ['-f', '%U %S', process.execPath, ...args] : args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) {
    console.error(`bench:staged: ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
    process.exit(2);
  }
  const cpu = gnuTime ? run.stderr.trim().split('\n').at(-1).split(' ').reduce((sum, seconds) => sum + Number(seconds) * 1000, 0) : undefined;
  return { wall, cpu };
}

const bare = [];
const staged = [];
for (let round = 0; round < rounds; round++) {
  bare.push(measure(['-e', '0']));
  staged.push(measure([bin, 'git', '--staged']));
}
rmSync(repo, { recursive: true, force: true });

const sorted = (values) => [...values].sort((a, b) => a - b);
const min = (values) => sorted(values)[0];
const median = (values) => sorted(values)[Math.floor(values.length / 2)];
const line = (label, runs, key) => `${label.padEnd(42)} min ${min(runs.map((run) => run[key])).toFixed(0).padStart(4)} ms  median ${median(runs.map((run) => run[key])).toFixed(0).padStart(4)} ms`;

console.log(`keyleak bench:staged, ${rounds} interleaved rounds`);
console.log(line('node -e 0 (wall)', bare, 'wall'));
console.log(line('keyleak git --staged, one-file change (wall)', staged, 'wall'));
if (gnuTime) {
  console.log(line('node -e 0 (CPU)', bare, 'cpu'));
  console.log(line('keyleak git --staged (CPU, git included)', staged, 'cpu'));
}
const over = median(staged.map((run) => run.wall)) - median(bare.map((run) => run.wall));
console.log(`keyleak git --staged takes ${over.toFixed(0)} ms more than bare node start-up (medians; the goal is 150 ms or less)`);
