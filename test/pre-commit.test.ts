/**
 * The real `pre-commit` binary (Debian's package is 3.0.4; `.ci/run` installs it) with keyleak as a
 * hook source: the README's `.pre-commit-config.yaml` pointed at a released copy of this checkout,
 * `pre-commit install`, and real `git commit`s. pre-commit installs the hook's node environment once
 * per file (into PRE_COMMIT_HOME); packages come from the npm cache where it has them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeReleasedRepo, ROOT, run, TAG, type ReleasedRepo } from './helpers/release.js';

const SECRET = 'sk_live_FIvdl6zXdkC5GGBr2LulHExCxEkC34Ku78YAKI1M';
const UPSTREAM = 'https://github.com/keyleak/keyleak';

const installed = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;

/** The README's YAML blocks that mention `text`, without the list indentation they sit at. */
function readmeYaml(text: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body!.split('\n').map((line) => line.slice(indent!.length)).join('\n'),
  );
  const matching = blocks.filter((block) => block.includes(text));
  if (matching.length !== 1) throw new Error(`README: expected one yaml block with ${text}, found ${matching.length}`);
  return matching[0]!;
}

let released: ReleasedRepo;
let project: string;
let env: Readonly<Record<string, string>>;

function commit(message: string) {
  return run('git', ['commit', '-m', message], project, env);
}

function head(): string {
  return git(['rev-parse', 'HEAD'], project);
}

function expectReported(output: string, file: string): void {
  expect(output).toMatch(/^keyleak\.+Failed$/m);
  expect(output).toContain(file);
  expect(output).toContain('stripe-secret-key');
  expect(output).not.toContain(SECRET);
}

describe.skipIf(!installed)(installed ? 'pre-commit framework' : 'pre-commit framework — skipped: no pre-commit on PATH (apt-get install pre-commit)', () => {
  beforeAll(() => {
    released = makeReleasedRepo();
    project = path.join(released.tree.root, 'project');
    env = { PRE_COMMIT_HOME: path.join(released.tree.root, 'pre-commit-home'), npm_config_prefer_offline: 'true' };
    run('git', ['init', '-q', '-b', 'main', project], released.tree.root);
    const config = readmeYaml(`repo: ${UPSTREAM}`).replace(UPSTREAM, released.repo);
    expect(config).toContain(`rev: ${TAG}\n`);
    writeFileSync(path.join(project, '.pre-commit-config.yaml'), config);
    writeFileSync(path.join(project, 'README.md'), '# project\n');
    git(['add', '.'], project);
    git(['commit', '-q', '-m', 'start'], project);
    const install = run('pre-commit', ['install'], project, env);
    if (install.status !== 0) throw new Error(`pre-commit install: ${install.stdout}${install.stderr}`);
  }, 120_000);

  afterAll(() => released?.tree.remove());

  it('validates the manifest at the release tag and the README configuration', () => {
    const manifest = run('pre-commit', ['validate-manifest', path.join(released.repo, '.pre-commit-hooks.yaml')], project, env);
    expect(manifest.stdout + manifest.stderr).toBe('');
    expect(manifest.status).toBe(0);
    const config = run('pre-commit', ['validate-config', '.pre-commit-config.yaml'], project, env);
    expect(config.stdout + config.stderr).toBe('');
    expect(config.status).toBe(0);
  });

  it('refuses a commit that stages a secret, with keyleak\'s redacted report', () => {
    writeFileSync(path.join(project, 'prod.env'), `STRIPE=${SECRET}\n`);
    git(['add', 'prod.env'], project);
    const before = head();
    const result = commit('add production settings');
    expect(result.status).not.toBe(0);
    expectReported(result.stdout + result.stderr, 'prod.env');
    expect(head()).toBe(before);
    git(['rm', '-q', '--cached', 'prod.env'], project);
  });

  it('lets a clean change through', () => {
    writeFileSync(path.join(project, 'app.ts'), 'export const greeting = "hello";\n');
    git(['add', 'app.ts'], project);
    const before = head();
    const result = commit('add greeting');
    expect(result.stdout + result.stderr).toMatch(/^keyleak\.+Passed$/m);
    expect(result.status).toBe(0);
    expect(git(['rev-parse', 'HEAD^'], project)).toBe(before);
  });

  it('pre-commit run --all-files runs the staged check: clean passes, a staged secret fails', () => {
    const clean = run('pre-commit', ['run', '--all-files'], project, env);
    expect(clean.stdout).toMatch(/^keyleak\.+Passed$/m);
    expect(clean.status).toBe(0);
    writeFileSync(path.join(project, 'deploy.env'), `STRIPE=${SECRET}\n`);
    git(['add', 'deploy.env'], project);
    const leaky = run('pre-commit', ['run', '--all-files'], project, env);
    expect(leaky.status).toBe(1);
    expectReported(leaky.stdout, 'deploy.env');
    git(['rm', '-q', '--cached', 'deploy.env'], project);
  });

  it('the keyleak-files hook, on a manual run over all files, finds a secret that was already committed', () => {
    const config = path.join(project, '.pre-commit-config.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}${readmeYaml('id: keyleak-files')}`);
    writeFileSync(path.join(project, '-old.env'), `STRIPE=${SECRET}\n`);
    git(['add', '--', '.pre-commit-config.yaml', '-old.env'], project);
    expect(run('git', ['commit', '-q', '--no-verify', '-m', 'committed before the hook'], project, env).status).toBe(0);
    // The commit stage leaves the manual hook alone, and the staged check has nothing staged.
    const everyCommit = run('pre-commit', ['run', '--all-files'], project, env);
    expect(everyCommit.stdout).not.toContain('whole files');
    expect(everyCommit.status).toBe(0);
    const sweep = run('pre-commit', ['run', 'keyleak-files', '--all-files', '--hook-stage', 'manual'], project, env);
    expect(sweep.status).toBe(1);
    expect(sweep.stdout).toMatch(/^keyleak \(whole files\)\.+Failed$/m);
    expect(sweep.stdout).toContain('-old.env');
    expect(sweep.stdout).toContain('stripe-secret-key');
    expect(sweep.stdout).not.toContain(SECRET);
  });
});
