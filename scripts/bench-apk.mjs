#!/usr/bin/env node
// npm run bench:apk: assembles a large APK from real binaries on this machine (Debian's
// framework-res.apk as a nested APK, the system's Java jars, TypeScript's 9 MB compiler as a React
// Native bundle, hermesc builds as native libraries) around the committed leaky.apk fixture, then
// times `keyleak scan` on it: seconds, MB/s, peak RSS, and whether every planted secret was found.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const work = mkdtempSync(path.join(tmpdir(), 'keyleak-bench-apk-'));
const tree = path.join(work, 'tree');
const apk = path.join(work, 'large.apk');
const cache = process.env.KEYLEAK_FIXTURE_CACHE ?? '/work/.cache/keyleak-fixtures';

function place(source, target) {
  if (!existsSync(source)) {
    console.log(`  (skipped, not on this machine: ${source})`);
    return;
  }
  mkdirSync(path.dirname(path.join(tree, target)), { recursive: true });
  copyFileSync(source, path.join(tree, target));
}

const fixture = path.join(root, 'fixtures/apps/out/leaky.apk');
spawnSync('unzip', ['-q', '-o', fixture, '-d', tree], { stdio: 'inherit' });
place('/usr/share/android-framework-res/framework-res.apk', 'assets/framework-res.apk');
for (const jar of existsSync('/usr/share/java') ? readdirSync('/usr/share/java').filter((name) => name.endsWith('.jar')) : []) {
  const source = path.join('/usr/share/java', jar);
  if (statSync(source).isFile()) place(source, `assets/libs/${jar}`);
}
place(path.join(root, 'node_modules/typescript/lib/typescript.js'), 'assets/www/vendor/typescript.js');
place(path.join(cache, 'hermes/v99/package/hermesc/linux64-bin/hermesc'), 'lib/x86_64/libhermesc.so');
place(path.join(cache, 'hermes/v99/package/hermesc/osx-bin/hermesc'), 'assets/tools/hermesc-macos');
const zipped = spawnSync('zip', ['-q', '-r', '-X', apk, '.'], { cwd: tree, stdio: 'inherit' });
if (zipped.status !== 0) process.exit(2);

const size = statSync(apk).size;
if (process.env.KEYLEAK_BENCH_APK_COPY) copyFileSync(apk, process.env.KEYLEAK_BENCH_APK_COPY);
const report = path.join(work, 'report.json');
const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, path.join(root, 'bin/keyleak.js'), 'scan', apk, '--format', 'json', '--no-redact', '--output', report], { encoding: 'utf8' });
const [seconds, peakKb] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
const { findings, notices } = JSON.parse(readFileSync(report, 'utf8'));
if (process.env.KEYLEAK_BENCH_KEEP) copyFileSync(report, process.env.KEYLEAK_BENCH_KEEP);
const expected = JSON.parse(readFileSync(path.join(root, 'fixtures/apps/expected.json'), 'utf8'));
const planted = (Array.isArray(expected) ? expected : expected.secrets).filter((entry) => entry.artifact === 'out/leaky.apk');
const found = new Set(findings.map((finding) => finding.secret));
const missed = planted.filter((entry) => !found.has(entry.secret));
console.log(
  `large.apk ${(size / 1024 / 1024).toFixed(1)} MB: ${seconds.toFixed(2)} s  ${(size / 1024 / 1024 / seconds).toFixed(1)} MB/s  peak RSS ${(peakKb / 1024).toFixed(0)} MB  ` +
    `${findings.length} findings, ${notices.length} notices, planted secrets found ${planted.length - missed.length}/${planted.length}`,
);
for (const entry of missed) console.log(`  missed: ${entry.chain.join('!')} ${entry.rule}`);
rmSync(work, { recursive: true, force: true });
