/**
 * A copy of this checkout (its working tree, as `git ls-files` sees it) in its own repository, released
 * with `npm run release`'s script, so tests install from the tag exactly as the pre-commit framework,
 * the GitHub Action and npm do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTree, type Tree } from './tree.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const VERSION: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
export const TAG = `v${VERSION}`;

/** git and npm as on a clean machine: no user git config, a fixed identity, the machine's npm cache. */
export const CLEAN_ENV: Readonly<Record<string, string>> = {
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '/tmp',
  NO_COLOR: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release-test@keyleak.invalid',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release-test@keyleak.invalid',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

export function run(command: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...CLEAN_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

export function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: CLEAN_ENV }).trimEnd();
}

/** Files this checkout would commit: tracked and untracked, not ignored (the node_modules link is local). */
function checkoutFiles(): readonly string[] {
  return git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)
    .split('\0')
    .filter((file) => file !== '' && file !== 'node_modules');
}

export interface ReleasedRepo {
  readonly tree: Tree;
  /** The repository, on branch main, with TAG released. */
  readonly repo: string;
  /** The release script's run, for its output. */
  readonly release: ReturnType<typeof spawnSync>;
}

/** Commits a copy of the checkout on main, with the development packages linked in, and runs the release script. */
export function makeReleasedRepo(): ReleasedRepo {
  const tree = makeTree();
  const repo = path.join(tree.root, 'keyleak');
  mkdirSync(repo);
  for (const file of checkoutFiles()) cpSync(path.join(ROOT, file), path.join(repo, file), { recursive: false, verbatimSymlinks: true });
  git(['init', '-q', '-b', 'main'], repo);
  writeFileSync(path.join(repo, '.git/info/exclude'), '/node_modules\n');
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
  git(['add', '-A'], repo);
  git(['commit', '-q', '-m', 'keyleak under test'], repo);
  const release = run(process.execPath, ['scripts/release.mjs'], repo);
  if (release.status !== 0) throw new Error(`release failed: ${release.stderr}`);
  return { tree, repo, release };
}

/** The files of `rev` in a folder of their own, as a checkout of the tag (GitHub's action download) has them. */
export function exportRev(repo: string, rev: string, folder: string): string {
  mkdirSync(folder, { recursive: true });
  const archive = spawnSync('git', ['archive', rev], { cwd: repo, env: CLEAN_ENV, maxBuffer: 256 * 1024 * 1024 });
  if (archive.status !== 0) throw new Error(`git archive ${rev}: ${archive.stderr}`);
  execFileSync('tar', ['-x', '-C', folder], { input: archive.stdout });
  return folder;
}
