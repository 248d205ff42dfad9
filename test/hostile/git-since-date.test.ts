/** `--since-date` that cannot be read as a date is a usage error, never a silent scan of nothing or everything. */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinceDateSeconds } from '../../src/scan/git-scan.js';
import { GitError } from '../../src/sources/git.js';
import { keyleak } from '../helpers/cli.js';
import { makeRepo, placesOf, scanGitJson, stripeKey, type Repo } from './git-repo.js';

const NOW = new Date('2025-03-31T12:00:00Z');
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('sinceDateSeconds', () => {
  it('reads ISO dates, with or without a time and zone; a date alone is midnight UTC', () => {
    expect(sinceDateSeconds('2024-01-01', NOW)).toBe(seconds('2024-01-01T00:00:00Z'));
    expect(sinceDateSeconds('2024-02-29T10:20:30Z', NOW)).toBe(seconds('2024-02-29T10:20:30Z'));
    expect(sinceDateSeconds('2024-02-29 10:20+0200', NOW)).toBe(seconds('2024-02-29T08:20:00Z'));
    expect(sinceDateSeconds('@1700000000', NOW)).toBe(1_700_000_000);
  });

  it('reads relative dates from now', () => {
    expect(sinceDateSeconds('yesterday', NOW)).toBe(seconds('2025-03-30T12:00:00Z'));
    expect(sinceDateSeconds('today', NOW)).toBe(seconds('2025-03-31T12:00:00Z'));
    expect(sinceDateSeconds('2 weeks ago', NOW)).toBe(seconds('2025-03-17T12:00:00Z'));
    expect(sinceDateSeconds('1.day.ago', NOW)).toBe(seconds('2025-03-30T12:00:00Z'));
    expect(sinceDateSeconds('1 month ago', NOW)).toBe(seconds('2025-03-03T12:00:00Z'));
    expect(sinceDateSeconds('3 years ago', NOW)).toBe(seconds('2022-03-31T12:00:00Z'));
    expect(sinceDateSeconds('99999 years ago', NOW)).toBe(0);
  });

  it.each(['garbage', '', '2024-13-01', '2024-02-30', '2024-01-01T25:00:00Z', '10 fortnights ago', '3 days', 'last tuesday', '-1', 'foo 3', '2024-01-01; rm -rf /'])('refuses %j, naming it', (value) => {
    expect(() => sinceDateSeconds(value, NOW)).toThrow(GitError);
    expect(() => sinceDateSeconds(value, NOW)).toThrow(`--since-date: cannot read ${JSON.stringify(value)} as a date`);
  });
});

describe('keyleak git --since-date', () => {
  let repo: Repo;
  const [old, recent] = [stripeKey(), stripeKey()];
  beforeAll(() => {
    repo = makeRepo();
    for (const [file, key, date] of [['old.env', old, '2020-06-01T00:00:00Z'], ['recent.env', recent, '2024-06-01T00:00:00Z']] as const) {
      repo.write(file, `KEY=${key}\n`);
      repo.git('add', file);
      execFileSync('git', ['commit', '-q', '-m', file], { cwd: repo.root, env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
    }
  });
  afterAll(() => repo.remove());

  it('exits 2 with one line naming a value that is not a date', () => {
    const result = keyleak(['git', '--since-date', 'garbage'], { cwd: repo.root });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('keyleak: --since-date: cannot read "garbage" as a date (use YYYY-MM-DD, an ISO date and time, @<unix seconds> or "N days ago")\n');
  });

  it('scans only the commits after a real date', () => {
    expect(placesOf(scanGitJson(['--since-date', '2022-01-01'], repo.root).report)).toEqual([`${recent} recent.env:1`]);
    expect(placesOf(scanGitJson(['--since-date', '2019-12-31T23:00:00+01:00'], repo.root).report)).toEqual([`${old} old.env:1`, `${recent} recent.env:1`].sort());
  });
});
