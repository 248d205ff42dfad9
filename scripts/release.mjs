#!/usr/bin/env node
/**
 * `npm run release`: tags `v<package.json version>` on a commit that carries the built JavaScript, so
 * the clients that install from a git tag (the pre-commit framework, the GitHub Action,
 * `npm install github:…#tag`) never run TypeScript or install development dependencies.
 *
 * The release commit is HEAD's tree plus:
 * - dist/ compiled from HEAD's sources (into a temporary folder: the checkout's own dist/ is untouched),
 *   without source maps, whose sources the package does not ship;
 * - package.json without devDependencies and scripts (nothing runs on install or pack; pre-commit's
 *   node support reads the tarball name from `npm pack`'s standard output, and npm prints every script's
 *   banner there);
 * - package-lock.json pruned to the production packages, so the Action's `npm ci --omit=dev` and
 *   pre-commit 3.0's install in its clone get the tested versions. (It is not put in the npm package as
 *   npm-shrinkwrap.json: keyleak is also a library, and a shrinkwrap would pin its users' trees.)
 *
 * The current branch then gets a merge commit that keeps its own tree and has the release commit as
 * second parent: the branch stays free of build output, and the tag is reachable from it, which
 * `pre-commit autoupdate` (`git describe --tags` on the default branch) needs to find it.
 * Everything is written with git's plumbing through a temporary index; the working tree is not touched.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

class ReleaseError extends Error {}

function git(args, options = {}) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...options }).trimEnd();
}

function gitSucceeds(args) {
  try {
    git(args);
    return true;
  } catch {
    return false;
  }
}

/** Files under `folder`, as paths relative to it with forward slashes. */
function filesUnder(folder, prefix = '') {
  return readdirSync(path.join(folder, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(folder, relative) : [relative];
  });
}

/** The package.json a release installs from: no development dependencies, nothing run on install or pack. */
function releaseManifest(manifest) {
  const { devDependencies: _dev, scripts: _scripts, ...kept } = manifest;
  return kept;
}

/** package-lock.json pruned by npm itself to the packages production installs need. */
function productionLockfile(work, manifest) {
  const folder = path.join(work, 'lockfile');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(folder, 'package-lock.json'));
  execFileSync('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: folder, stdio: ['ignore', 'ignore', 'pipe'] });
  const lock = JSON.parse(readFileSync(path.join(folder, 'package-lock.json'), 'utf8'));
  const development = Object.entries(lock.packages).filter(([, entry]) => entry.dev === true || entry.devOptional === true);
  if (development.length > 0) throw new ReleaseError(`the pruned lockfile still lists development packages (${development.map(([name]) => name).join(', ')})`);
  return `${JSON.stringify(lock, null, 2)}\n`;
}

function release() {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (typeof manifest.version !== 'string' || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(manifest.version)) {
    throw new ReleaseError(`"version" in package.json is ${JSON.stringify(manifest.version)}, not a version like 1.2.3 or 1.2.3-rc.1`);
  }
  const tag = `v${manifest.version}`;
  const changed = git(['status', '--porcelain', '-z']).split('\0').filter(Boolean).map((entry) => entry.slice(3));
  if (changed.length > 0) {
    const shown = changed.slice(0, 3).join(', ') + (changed.length > 3 ? `, and ${changed.length - 3} more` : '');
    throw new ReleaseError(`${ROOT} has uncommitted changes (${shown}); a release is built from a clean HEAD`);
  }
  if (gitSucceeds(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`])) throw new ReleaseError(`tag ${tag} already exists; raise "version" in package.json first`);
  const head = git(['rev-parse', 'HEAD']);

  const work = mkdtempSync(path.join(tmpdir(), 'keyleak-release-'));
  try {
    const dist = path.join(work, 'dist');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', dist, '--sourceMap', 'false'], { cwd: ROOT, stdio: 'inherit' });
    // The built-in rules parsed (dist/rules.json); the build's imports resolve through a link to the packages.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'precompile-rules.mjs'), dist, path.join(ROOT, 'rules')], { cwd: ROOT, stdio: 'inherit' });

    const env = { ...process.env, GIT_INDEX_FILE: path.join(work, 'index') };
    git(['read-tree', head], { env });
    const built = filesUnder(dist);
    const blobs = git(['hash-object', '-w', '--stdin-paths'], { input: built.map((file) => path.join(dist, file)).join('\n') }).split('\n');
    const manifestForRelease = releaseManifest(manifest);
    const manifestBlob = git(['hash-object', '-w', '--stdin'], { input: `${JSON.stringify(manifestForRelease, null, 2)}\n` });
    const lockfileBlob = git(['hash-object', '-w', '--stdin'], { input: productionLockfile(work, manifestForRelease) });
    const entries = [
      ...built.map((file, index) => `100644 ${blobs[index]}\tdist/${file}`),
      `100644 ${manifestBlob}\tpackage.json`,
      `100644 ${lockfileBlob}\tpackage-lock.json`,
    ];
    git(['update-index', '--add', '--index-info'], { env, input: `${entries.join('\n')}\n` });
    const tree = git(['write-tree'], { env });

    const commit = git(['commit-tree', tree, '-p', head, '-m', `keyleak ${tag}: release build (dist/, production dependencies only)`]);
    git(['tag', '-a', tag, '-m', `keyleak ${tag}`, commit]);
    const merge = git(['commit-tree', `${head}^{tree}`, '-p', head, '-p', commit, '-m', `Release ${tag}: the tag holds the build, this branch keeps none`]);
    git(['update-ref', '-m', `release ${tag}`, 'HEAD', merge, head]);
    process.stdout.write(`tagged ${tag} (${commit.slice(0, 12)}); push with \`git push --follow-tags\`, publish with \`git checkout ${tag} && npm publish\`\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  release();
} catch (error) {
  const detail = error instanceof ReleaseError ? error.message : `${error.message.split('\n')[0]}${error.stderr ? `: ${String(error.stderr).trim().split('\n')[0]}` : ''}`;
  process.stderr.write(`release: ${detail}\n`);
  process.exit(2);
}
