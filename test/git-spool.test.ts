/** git's output through a temporary file (`spoolGit`): the same lines as through a pipe, git's errors, and nothing left behind. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, spoolGit, streamGit } from '../src/sources/git.js';
import { fitsSpool } from '../src/scan/git-scan.js';
import { BIN } from './helpers/cli.js';

const SECRET = 'sk_live_Qm3Jx8vT2pL9wR4nK7cB5dH1fZ6yA0sE8uG2iO4q';
let repo: string;
const shas: string[] = [];

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Zoë', GIT_AUTHOR_EMAIL: 'z@example.org', GIT_COMMITTER_NAME: 'Zoë', GIT_COMMITTER_EMAIL: 'z@example.org' } });
}

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'keyleak-spool-repo-'));
  git('init', '-q', '-b', 'main');
  const contents = [
    'plain text\n',
    // Multi-byte characters, a carriage return inside a line, and two long lines of two-byte characters
    // (1.2 MB each, one byte apart in parity): one of them is cut between the spool's 1 MiB reads.
    `naïve café ✓ 日本語\r\nSTRIPE_KEY=${SECRET}\n${'é'.repeat(600_000)}\n${'é'.repeat(600_000)}\n`,
    'the key went away\n',
  ];
  contents.forEach((content, index) => {
    writeFileSync(path.join(repo, 'config.env'), content);
    git('add', '-A');
    git('commit', '-q', '-m', `change ${index} ✓`);
    shas.push(git('rev-parse', 'HEAD').trim());
  });
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

async function lines(read: typeof spoolGit, args: readonly string[], input?: string): Promise<string[]> {
  const seen: string[] = [];
  await read(args, repo, (line) => void seen.push(line), input);
  return seen;
}

describe('spoolGit', () => {
  it('hands on exactly the lines a pipe does, characters cut between reads included', async () => {
    const args = ['log', '-p', '-U0', '--all', '--format=%H %an %s'];
    const spooled = await lines(spoolGit, args);
    expect(spooled).toEqual(await lines(streamGit, args));
    expect(spooled).toContain(`+naïve café ✓ 日本語\r`);
    expect(spooled).toContain(`+STRIPE_KEY=${SECRET}`);
    expect(spooled.filter((line) => line === `+${'é'.repeat(600_000)}`)).toHaveLength(2);
  });

  it('passes standard input to git', async () => {
    const input = `${shas[2]}\n${shas[0]}\n`;
    expect(await lines(spoolGit, ['log', '--no-walk=unsorted', '--stdin', '--format=%H'], input)).toEqual([shas[2], shas[0]]);
  });

  it("rejects with git's own first line of error", async () => {
    const failed = lines(spoolGit, ['log', 'no-such-revision']);
    await expect(failed).rejects.toThrow(GitError);
    await expect(failed).rejects.toThrow(/no-such-revision/);
  });

  it("rejects with the reader's error and stops there", async () => {
    let calls = 0;
    const reading = spoolGit(['log', '-p', '--all'], repo, () => {
      calls++;
      throw new Error('reader failed');
    });
    await expect(reading).rejects.toThrow('reader failed');
    expect(calls).toBe(1);
  });
});

describe('keyleak git through the spool', () => {
  it('finds the removed key and leaves no file in the temporary folder', () => {
    const temporary = mkdtempSync(path.join(tmpdir(), 'keyleak-spool-tmp-'));
    try {
      const run = spawnSync(process.execPath, [BIN, 'git', repo, '--format', 'json'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', TMPDIR: temporary } });
      expect(run.status, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as { findings: { ruleId: string; history?: { presentAtHead: boolean; removedIn?: { sha: string } } }[] };
      expect(report.findings.map((finding) => [finding.ruleId, finding.history?.presentAtHead, finding.history?.removedIn?.sha])).toEqual([['stripe-secret-key', false, shas[2]]]);
      expect(readdirSync(temporary)).toEqual([]);
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  });
});

describe('fitsSpool', () => {
  const counts = (loose: number, packed: number) => `count: 3\nsize: ${loose}\nin-pack: 900\npacks: 1\nsize-pack: ${packed}\nprune-packable: 0\ngarbage: 0\nsize-garbage: 0\n`;

  it('spools repositories up to 64 MiB of objects, packed and loose together', () => {
    expect(fitsSpool(counts(0, 17_920))).toBe(true);
    expect(fitsSpool(counts(1024, 64 * 1024 - 1024))).toBe(true);
    expect(fitsSpool(counts(1024, 64 * 1024))).toBe(false);
  });

  it('streams through the pipe when git says nothing it can read', () => {
    expect(fitsSpool('')).toBe(false);
    expect(fitsSpool('size: 12\n')).toBe(false);
  });
});
