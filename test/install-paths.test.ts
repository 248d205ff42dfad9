/**
 * The install paths real clients take, run on a release made by `npm run release` from a copy of this
 * checkout: the release tag's contents, `npm pack` (its file list, size, and the bare tarball name on
 * standard output that pre-commit 3.0 reads), `npm install -g` of the tarball and of the git tag, `npx`
 * of the tarball, and the GitHub Action's install and scan steps. Packages come from the npm cache that
 * `npm ci` filled: the Action's lockfile install runs `--offline`; installs that resolve version ranges
 * run `--prefer-offline`, as a cache filled by `npm ci` holds the tarballs but not always the registry's
 * version lists.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRev, git, makeReleasedRepo, ROOT, run, TAG, VERSION, type ReleasedRepo } from './helpers/release.js';
import { stepScript } from './helpers/action.js';
import { makeTree, type Tree } from './helpers/tree.js';

const SECRET = 'sk_live_FIvdl6zXdkC5GGBr2LulHExCxEkC34Ku78YAKI1M';
const TARBALL = `keyleak-${VERSION}.tgz`;
/** What keyleak needs at run time; everything else in package-lock.json is for development. */
const PRODUCTION = ['@jridgewell/trace-mapping', 'commander', 'ignore', 'picocolors', 'simple-git', 'smol-toml'];

let released: ReleasedRepo;
let tagFiles: string;
let leaky: Tree;
let packed: ReturnType<typeof run>;

beforeAll(() => {
  released = makeReleasedRepo();
  tagFiles = exportRev(released.repo, TAG, path.join(released.tree.root, 'tag'));
  packed = run('npm', ['pack'], tagFiles);
  leaky = makeTree({ 'config/prod.env': `STRIPE=${SECRET}\n`, 'src/clean.ts': 'export const answer = 42;\n' });
}, 120_000);

afterAll(() => {
  released?.tree.remove();
  leaky?.remove();
});

/** Package folders (scoped ones as `@scope/name`) installed under a node_modules folder. */
function installedPackages(nodeModules: string): readonly string[] {
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(path.join(nodeModules, name)).map((inner) => `${name}/${inner}`) : [name]))
    .sort();
}

/** The package specs of the README's `npm install -g` lines (section Install). */
function readmeInstallSpecs(): readonly string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Install\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').flatMap((line) => /^npm install -g (\S+)/.exec(line)?.[1] ?? []);
}

function expectFindsTheSecret(result: ReturnType<typeof run>): void {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(1);
  expect(result.stdout).toContain('config/prod.env');
  expect(result.stdout).toContain('stripe-secret-key');
  expect(result.stdout).not.toContain(SECRET);
}

describe('npm run release', () => {
  it('tags a commit with dist/ built and production dependencies only, and leaves the branch without build output', () => {
    expect(released.release.stdout).toContain(`tagged ${TAG}`);
    const tagged = git(['ls-tree', '-r', '--name-only', TAG], released.repo).split('\n');
    expect(tagged).toEqual(expect.arrayContaining(['bin/keyleak.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'package-lock.json', '.pre-commit-hooks.yaml', 'action.yml', 'rules/stripe.toml']));
    expect(tagged.filter((file) => file.startsWith('dist/') && file.endsWith('.map'))).toEqual([]);
    const manifest = JSON.parse(git(['show', `${TAG}:package.json`], released.repo));
    expect(manifest.version).toBe(VERSION);
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(Object.keys(manifest.dependencies).sort()).toEqual(PRODUCTION);
    const lockfile = JSON.parse(git(['show', `${TAG}:package-lock.json`], released.repo));
    const pinned = Object.keys(lockfile.packages).filter((key) => key !== '');
    expect(pinned).toEqual(expect.arrayContaining(PRODUCTION.map((name) => `node_modules/${name}`)));
    expect(pinned).not.toContain('node_modules/typescript');
    expect(pinned).not.toContain('node_modules/vitest');

    // The branch keeps its own tree (no dist/), and the tag is reachable from it for `pre-commit autoupdate`.
    expect(git(['rev-parse', 'main^{tree}'], released.repo)).toBe(git(['rev-parse', 'main^1^{tree}'], released.repo));
    expect(git(['describe', '--tags', '--abbrev=0', 'main'], released.repo)).toBe(TAG);
    expect(git(['status', '--porcelain'], released.repo)).toBe('');
    expect(existsSync(path.join(released.repo, 'dist'))).toBe(false);
  });

  it('refuses, in one line, a version that is not one, a second release of the same version and a checkout with uncommitted changes', () => {
    const manifestPath = path.join(released.repo, 'package.json');
    const manifest = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, manifest.replace(`"version": "${VERSION}"`, '"version": "1.0.0 --force"'));
    git(['commit', '-q', '-a', '-m', 'a hostile version'], released.repo);
    try {
      const hostile = run(process.execPath, ['scripts/release.mjs'], released.repo);
      expect(hostile.status).toBe(2);
      expect(hostile.stderr).toBe('release: "version" in package.json is "1.0.0 --force", not a version like 1.2.3 or 1.2.3-rc.1\n');
    } finally {
      git(['reset', '-q', '--hard', 'HEAD~1'], released.repo);
    }

    const again = run(process.execPath, ['scripts/release.mjs'], released.repo);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`release: tag ${TAG} already exists; raise "version" in package.json first\n`);
    const readme = path.join(released.repo, 'README.md');
    const original = readFileSync(readme, 'utf8');
    writeFileSync(readme, `${original}edited\n`);
    try {
      const dirty = run(process.execPath, ['scripts/release.mjs'], released.repo);
      expect(dirty.status).toBe(2);
      expect(dirty.stderr).toBe(`release: ${released.repo} has uncommitted changes (README.md); a release is built from a clean HEAD\n`);
    } finally {
      writeFileSync(readme, original);
    }
  });
});

describe('npm pack', () => {
  it('packs only what keyleak runs with: bin, compiled JavaScript and types, rules, the manifest and README', () => {
    const dryRun = run('npm', ['pack', '--dry-run', '--json'], tagFiles);
    expect(dryRun.status).toBe(0);
    const [report] = JSON.parse(dryRun.stdout) as { size: number; unpackedSize: number; files: { path: string; size: number }[] }[];
    const files = report!.files.map((file) => file.path);
    const outside = files.filter((file) => !/^(bin|dist|rules)\//.test(file) && !['package.json', 'README.md', 'LICENSE'].includes(file));
    expect(outside).toEqual([]);
    expect(files.filter((file) => /\.(map|ts)$/.test(file) && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['bin/keyleak.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'rules/stripe.toml']));
    // Every built-in rule file ships: the scanner loads the folder at run time.
    const rules = readdirSync(path.join(ROOT, 'rules')).filter((file) => file.endsWith('.toml'));
    expect(files.filter((file) => file.startsWith('rules/')).sort()).toEqual(rules.map((file) => `rules/${file}`).sort());
    // The rules and their parsed form grow with every provider added; the code does not. Today the
    // code (bin, compiled JavaScript and types) is 0.9 MB unpacked: a stray folder would show here.
    expect(files).toContain('dist/rules.json');
    const codeBytes = report!.files.filter((file) => !file.path.startsWith('rules/') && file.path !== 'dist/rules.json').reduce((sum, file) => sum + file.size, 0);
    expect(codeBytes).toBeLessThan(1_200_000);
  });

  it('prints only the tarball name on standard output (pre-commit 3.0 installs the file named there)', () => {
    expect(packed.status).toBe(0);
    expect(packed.stdout).toBe(`${TARBALL}\n`);
    expect(existsSync(path.join(tagFiles, TARBALL))).toBe(true);
  });

  it('prints only the tarball name in a built clone of the branch too: no script runs on pack', () => {
    const destination = path.join(released.tree.root, 'packed-from-checkout');
    mkdirSync(destination);
    const fromCheckout = run('npm', ['pack', '--pack-destination', destination], ROOT);
    expect(fromCheckout.status).toBe(0);
    expect(fromCheckout.stdout).toBe(`${TARBALL}\n`);
  });

  it('installs globally as the README says, the package being this tarball, with production dependencies only, and scans', () => {
    expect(readmeInstallSpecs()[0]).toBe('keyleak');
    const prefix = path.join(released.tree.root, 'global-tarball');
    const install = run('npm', ['install', '-g', '--prefer-offline', '--prefix', prefix, `./${TARBALL}`], tagFiles);
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    const installed = path.join(prefix, 'lib/node_modules/keyleak');
    expect(installedPackages(path.join(installed, 'node_modules'))).toEqual(expect.arrayContaining(PRODUCTION));
    expect(existsSync(path.join(installed, 'node_modules/typescript'))).toBe(false);
    expectFindsTheSecret(run(path.join(prefix, 'bin/keyleak'), ['scan', '.'], leaky.root));
    const version = run(path.join(prefix, 'bin/keyleak'), ['--version'], leaky.root);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('runs from the tarball with npx', () => {
    expectFindsTheSecret(run('npx', ['--yes', '--prefer-offline', `./${TARBALL}`, 'scan', leaky.root], tagFiles));
  });
});

describe('npm install from the git tag', () => {
  it('installs as the README says, the repository being a local copy, without building', () => {
    const [, fromGit] = readmeInstallSpecs();
    expect(fromGit).toBe(`github:keyleak/keyleak#${TAG}`);
    const prefix = path.join(released.tree.root, 'global-git');
    const spec = fromGit!.replace('github:keyleak/keyleak', `git+file://${released.repo}`);
    // --install-links as current pre-commit passes it (it installs node hooks with `npm install -g git+file://…`).
    const install = run('npm', ['install', '-g', '--prefer-offline', '--install-links', '--prefix', prefix, spec], released.tree.root);
    expect(install.status).toBe(0);
    expect(existsSync(path.join(prefix, 'lib/node_modules/keyleak/node_modules/typescript'))).toBe(false);
    expectFindsTheSecret(run(path.join(prefix, 'bin/keyleak'), ['scan', '.'], leaky.root));
  });

  it('from a branch without dist/, says how to build instead of a module trace', () => {
    const branch = exportRev(released.repo, 'main', path.join(released.tree.root, 'branch'));
    const result = run(process.execPath, [path.join(branch, 'bin/keyleak.js'), 'scan', '.'], leaky.root);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`keyleak: ${branch}/dist/ is not built: run \`npm install && npm run build\` there, or install a release tag or the npm package, which carry it\n`);
  });
});

describe('GitHub Action at the release tag', () => {
  it('installs production dependencies only, without building, and its Scan step reports the leak', () => {
    const action = exportRev(released.repo, TAG, path.join(released.tree.root, 'action'));
    const workspace = makeTree({ 'config/prod.env': `STRIPE=${SECRET}\n`, 'output.txt': '' });
    try {
      const env = { GITHUB_ACTION_PATH: action, GITHUB_OUTPUT: path.join(workspace.root, 'output.txt'), npm_config_offline: 'true' };
      const install = run('bash', ['-c', stepScript(action, 'Install keyleak')], workspace.root, env);
      expect(install.stderr).toBe('');
      expect(install.status).toBe(0);
      expect(installedPackages(path.join(action, 'node_modules'))).toEqual(expect.arrayContaining(PRODUCTION));
      for (const development of ['typescript', 'vitest', '@microsoft/sarif-multitool', '@types/node']) {
        expect(existsSync(path.join(action, 'node_modules', development))).toBe(false);
      }
      const scan = run('bash', ['-c', stepScript(action, 'Scan')], workspace.root, { ...env, KEYLEAK_COMMAND: 'scan .', KEYLEAK_FAIL_ON: 'error', KEYLEAK_SARIF: 'keyleak.sarif' });
      expect(scan.status).toBe(0);
      expect(readFileSync(path.join(workspace.root, 'output.txt'), 'utf8')).toBe('exit-code=1\n');
      const sarif = JSON.parse(readFileSync(path.join(workspace.root, 'keyleak.sarif'), 'utf8'));
      expect(sarif.runs[0].results.map((result: { ruleId: string }) => result.ruleId)).toEqual(['stripe-secret-key']);
    } finally {
      workspace.remove();
    }
  });
});

describe('README', () => {
  it('points the pre-commit and Action snippets at the release tag of this version', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`    rev: ${TAG}\n`);
    expect(readme).toContain(`- uses: keyleak/keyleak@${TAG}\n`);
    // Every input the snippet sets is one the Action declares.
    const snippet = readme.slice(readme.indexOf(`- uses: keyleak/keyleak@${TAG}\n`)).split('```')[0]!;
    const given = [...snippet.matchAll(/^ {8}([a-z-]+):/gm)].map(([, name]) => name);
    expect(given).toEqual(['command', 'fail-on']);
    const action = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    for (const name of given) expect(action).toMatch(new RegExp(`^ {2}${name}:\n {4}description:`, 'm'));
  });
});
