/** History, range and staged scans on repositories built at test time. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
// The built library: its workers are the compiled dist/scan/worker.js.
import { loadRuleset, scanGit } from '../dist/index.js';
import { makeTree, type Tree } from './helpers/tree.js';

const DELETED = 'sk_live_BTbRbEcN2Nk5tlwRqbZqV4hKWHJdpXTlcgMCdM0r';
const OVERWRITTEN = 'sk_live_E1ouY9Itxdq8mqwA7ISKNSmZzdlg6LeYdKuhY5P6';
const ON_BRANCH = 'sk_live_Nw0o7hnB4t0UeVLCrgbXnu7aL7ECzQtjUFqzb5Sx';
const STAGED = 'sk_live_tzqwrx4ppNr4FQaXswq4IOl0jYBGXEJ5oaVp8jVx';
const AT_HEAD = 'sk_live_4O7bWRW4O9DLyrsGjsN7n56sxsXSxKjZOSV1GbD4';
const ODD_NAME = 'sk_live_DfbKQNFtAYIuyyXoIeDGD4PUDibHZqgUoPJOfEux';

interface Report {
  findings: {
    secret: string;
    occurrences: { path: string; startLine: number; startColumn: number; commit?: { sha: string } }[];
    history?: { introduced: { sha: string; subject: string }; presentAtHead: boolean; removedIn?: { sha: string }; onlyOn?: string[] };
  }[];
  notices: { code: string }[];
}

let tree: Tree;
let git: SimpleGit;
const shas: Record<string, string> = {};

async function commit(message: string): Promise<void> {
  await git.add('-A');
  await git.commit(message);
  shas[message] = (await git.revparse(['HEAD'])).trim();
}

beforeAll(async () => {
  tree = makeTree();
  git = simpleGit(tree.root);
  await git.init();
  await git.addConfig('user.email', 'dev@example.org').addConfig('user.name', 'Dev').addConfig('commit.gpgsign', 'false');
  tree.write('config.env', `STRIPE_KEY=${DELETED}\n`);
  tree.write('settings.py', `# settings\nSTRIPE = "${OVERWRITTEN}"\n`);
  await commit('add config');
  tree.write('settings.py', `# settings\nSTRIPE = os.environ["STRIPE"]\n`);
  await commit('read key from env');
  await git.rm(['config.env']);
  await commit('delete config');
  tree.write(`odd name\nwith newline.env`, `KEY=${ODD_NAME}\n`);
  tree.write('app.env', `\n\nKEY=${AT_HEAD}\n`);
  await commit('add app env');
  await git.checkoutLocalBranch('feature/payments');
  tree.write('payments.env', `KEY=${ON_BRANCH}\n`);
  await commit('wip payments');
  await git.checkout('-');
  tree.write('staged.env', `\nKEY=${STAGED}\n`);
  await git.add('staged.env');
});
afterAll(() => tree.remove());

function scanJson(args: readonly string[], cwd = tree.root): { code: number | null; report: Report; stderr: string } {
  const result = keyleak(['git', ...args, '--format', 'json', '--no-redact'], { cwd });
  return { code: result.code, report: result.stdout ? (JSON.parse(result.stdout) as Report) : { findings: [], notices: [] }, stderr: result.stderr };
}

const bySecret = (report: Report, secret: string) => report.findings.find((finding) => finding.secret === secret);

describe('keyleak git (history)', () => {
  it('finds a secret in a deleted file, with its introducing and removing commits', () => {
    const { code, report } = scanJson([]);
    expect(code).toBe(1);
    expect(bySecret(report, DELETED)?.history).toMatchObject({ introduced: { sha: shas['add config'], subject: 'add config' }, presentAtHead: false, removedIn: { sha: shas['delete config'] } });
    expect(bySecret(report, DELETED)?.occurrences).toEqual([expect.objectContaining({ path: 'config.env', startLine: 1, startColumn: 12, commit: expect.objectContaining({ sha: shas['add config'] }) })]);
  });

  it('finds a secret overwritten by a later commit', () => {
    const finding = bySecret(scanJson([]).report, OVERWRITTEN);
    expect(finding?.occurrences).toEqual([expect.objectContaining({ path: 'settings.py', startLine: 2, startColumn: 11 })]);
    expect(finding?.history).toMatchObject({ introduced: { sha: shas['add config'] }, presentAtHead: false, removedIn: { sha: shas['read key from env'] } });
  });

  it('finds a secret that only exists on an unmerged branch, and names the branch', () => {
    expect(bySecret(scanJson([]).report, ON_BRANCH)?.history).toMatchObject({ introduced: { sha: shas['wip payments'] }, presentAtHead: false, onlyOn: ['feature/payments'] });
  });

  it('says when a secret is still present at HEAD, and handles file names with newlines', () => {
    const { report } = scanJson([]);
    expect(bySecret(report, AT_HEAD)?.history).toMatchObject({ presentAtHead: true });
    expect(bySecret(report, AT_HEAD)?.occurrences[0]).toMatchObject({ path: 'app.env', startLine: 3 });
    expect(bySecret(report, ODD_NAME)?.occurrences[0]).toMatchObject({ path: 'odd name\nwith newline.env', startLine: 1 });
  });

  it('gives the same findings with detection workers (threads beyond git and the reading thread) as on one thread', async () => {
    const ruleset = await loadRuleset({});
    const history = { kind: 'history', refs: 'all' } as const;
    const [one, workers] = await Promise.all([scanGit({ repo: tree.root, ruleset, selection: history, threads: 1 }), scanGit({ repo: tree.root, ruleset, selection: history, threads: 3 })]);
    expect(one.findings.map((finding) => finding.secret).sort()).toEqual([AT_HEAD, DELETED, ODD_NAME, ON_BRANCH, OVERWRITTEN].sort());
    expect(workers.findings).toEqual(one.findings);
  });

  it('takes the rules as a loader, called once after git has started, with the same findings', async () => {
    const ruleset = await loadRuleset({});
    const history = { kind: 'history', refs: 'all' } as const;
    let calls = 0;
    const loader = async () => {
      calls++;
      return ruleset;
    };
    const [given, loaded] = await Promise.all([scanGit({ repo: tree.root, ruleset, selection: history }), scanGit({ repo: tree.root, ruleset: loader, selection: history })]);
    expect(calls).toBe(1);
    expect(loaded.findings).toEqual(given.findings);
    expect(given.findings.length).toBeGreaterThan(0);
  });

  it('stops with the rule file named when the rules fail to load, also with git already reading', () => {
    for (const args of [[], ['--staged']]) {
      const result = keyleak(['git', ...args, '--rules', path.resolve('fixtures/rules-invalid/invalid-regex.toml')], { cwd: tree.root });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/invalid-regex\.toml: rule broken-inline-flag: regex: Invalid group/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('does not report staged changes as history', () => {
    expect(bySecret(scanJson([]).report, STAGED)).toBeUndefined();
  });

  it('limits the scan with --branch, --since, --range and --max-commits', () => {
    const secretsOf = (args: string[]) => scanJson(args).report.findings.map((finding) => finding.secret).sort();
    expect(secretsOf(['--branch', 'feature/payments', '--since', 'x'])).toEqual([]);
    expect(secretsOf(['--since', 'HEAD~1'])).toEqual([AT_HEAD, ODD_NAME].sort());
    expect(secretsOf(['--range', `${shas['delete config']}..feature/payments`])).toEqual([AT_HEAD, ODD_NAME, ON_BRANCH].sort());
    expect(secretsOf(['--branch', 'HEAD', '--max-commits', '1'])).toEqual([AT_HEAD, ODD_NAME].sort());
  });
});

describe('keyleak git --staged', () => {
  it('reports only the staged secret, at its working-tree path and line', () => {
    const { code, report } = scanJson(['--staged']);
    expect(code).toBe(1);
    expect(report.findings.map((finding) => `${finding.secret} ${finding.occurrences[0]!.path}:${finding.occurrences[0]!.startLine}`)).toEqual([`${STAGED} staged.env:2`]);
    expect(report.findings[0]!.occurrences[0]!.commit).toBeUndefined();
  });

  it('works in a repository with no commits yet', () => {
    const fresh = makeTree({ 'new.env': `KEY=${STAGED}\n` });
    execFileSync('git', ['init', '-q'], { cwd: fresh.root });
    execFileSync('git', ['add', 'new.env'], { cwd: fresh.root });
    const { report } = scanJson(['--staged'], fresh.root);
    fresh.remove();
    expect(report.findings.map((finding) => finding.occurrences[0]!.path)).toEqual(['new.env']);
  });
});

describe('keyleak git on unusual repositories', () => {
  it('exits 2 with one line outside a repository', () => {
    const plain = mkdtempSync(path.join(tmpdir(), 'keyleak-plain-'));
    const result = keyleak(['git', plain]);
    rmSync(plain, { recursive: true, force: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`keyleak: ${plain}: not a git repository\n`);
  });

  it('scans what a shallow clone holds and says it is shallow', () => {
    const clone = mkdtempSync(path.join(tmpdir(), 'keyleak-shallow-'));
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${tree.root}`, clone]);
    const { report } = scanJson([], clone);
    rmSync(clone, { recursive: true, force: true });
    expect(report.notices.map((notice) => notice.code)).toContain('shallow-clone');
    expect(report.findings.map((finding) => finding.secret).sort()).toEqual([AT_HEAD, ODD_NAME].sort());
  });

  it('scans from a linked worktree, and takes a revision that looks like an option as a revision', () => {
    const worktree = mkdtempSync(path.join(tmpdir(), 'keyleak-worktree-'));
    rmSync(worktree, { recursive: true, force: true });
    execFileSync('git', ['worktree', 'add', '-q', worktree, 'feature/payments'], { cwd: tree.root });
    const { report } = scanJson(['--branch', 'HEAD'], worktree);
    const dashed = keyleak(['git', '--since', '--output=x'], { cwd: worktree });
    execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: tree.root });
    expect(report.findings.map((finding) => finding.secret)).toContain(ON_BRANCH);
    expect(dashed.code).toBe(2);
    expect(dashed.stderr).toBe("keyleak: fatal: bad revision '^--output=x'\n");
  });

  it('scans every ref while HEAD is an orphan branch with no commit yet, and knows none of them is on HEAD', () => {
    const orphan = mkdtempSync(path.join(tmpdir(), 'keyleak-orphan-'));
    execFileSync('git', ['clone', '-q', tree.root, orphan]);
    execFileSync('git', ['checkout', '-q', '--orphan', 'fresh-start'], { cwd: orphan });
    const { report } = scanJson([], orphan);
    rmSync(orphan, { recursive: true, force: true });
    const found = bySecret(report, AT_HEAD);
    expect(found?.history?.presentAtHead).toBe(false);
    expect(found?.history?.onlyOn?.length).toBeGreaterThan(0);
    expect(report.findings.map((finding) => finding.secret)).toEqual(expect.arrayContaining([DELETED, OVERWRITTEN, AT_HEAD]));
  });

  it('scans a bare repository', () => {
    const bare = mkdtempSync(path.join(tmpdir(), 'keyleak-bare-'));
    execFileSync('git', ['clone', '-q', '--bare', tree.root, bare]);
    const { report } = scanJson([], bare);
    rmSync(bare, { recursive: true, force: true });
    expect(report.findings.map((finding) => finding.secret)).toEqual(expect.arrayContaining([DELETED, OVERWRITTEN, ON_BRANCH, AT_HEAD]));
  });
});

describe('submodules', () => {
  it('are noted, and scanned with --submodules', () => {
    const inner = makeTree({ 'inner.env': `KEY=${DELETED}\n` });
    const outer = makeTree({ 'README.md': '# outer\n' });
    for (const [cwd, args] of [
      [inner.root, ['init', '-q']],
      [inner.root, ['-c', 'user.email=a@b.c', '-c', 'user.name=A', 'add', '.']],
      [inner.root, ['-c', 'user.email=a@b.c', '-c', 'user.name=A', 'commit', '-q', '-m', 'inner']],
      [outer.root, ['init', '-q']],
      [outer.root, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner.root, 'vendor/inner']],
      [outer.root, ['-c', 'user.email=a@b.c', '-c', 'user.name=A', 'commit', '-q', '-m', 'outer']],
    ] as const) {
      execFileSync('git', [...args], { cwd });
    }
    const noted = scanJson([], outer.root);
    const followed = scanJson(['--submodules'], outer.root);
    inner.remove();
    outer.remove();
    expect(noted.report.notices.map((notice) => notice.code)).toContain('submodule-skipped');
    expect(noted.report.findings).toEqual([]);
    expect(followed.report.findings.map((finding) => finding.occurrences[0]!.path)).toEqual(['vendor/inner/inner.env']);
  });
});
