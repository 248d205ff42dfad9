/**
 * The progress line through the real CLI in a pseudo-terminal (util-linux `script`), where stdout and
 * stderr are the terminal, and with stderr redirected, where it must never appear.
 * KEYLEAK_PROGRESS_DELAY_MS=0 shows it from the start: these scans take less than the usual second.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, keyleak } from '../helpers/cli.js';
// The built library: worker threads load dist/scan/worker.js.
import { loadRuleset, scan, scanGit, type ScanProgress } from '../../dist/index.js';
import { makeRepo, stripeKey } from '../hostile/git-repo.js';

const HAS_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ERASE = '\r\x1b[K';
const APPS = ['fixtures/apps/out/leaky.apk', 'fixtures/apps/out/Leaky.ipa', 'fixtures/apps/out/app.asar'];

function quoted(argument: string): string {
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** Runs keyleak with a pseudo-terminal as stdin, stdout and stderr; returns all it drew. */
function inTerminal(args: readonly string[], env: Readonly<Record<string, string>> = {}, cwd = process.cwd(), expectedExit = 1): string {
  const command = [process.execPath, BIN, ...args].map(quoted).join(' ');
  const run = spawnSync('script', ['-qfec', command, '/dev/null'], {
    cwd,
    encoding: 'utf8',
    input: '',
    // No CI variable: the test suite itself runs on CI.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', TERM: 'xterm', NO_COLOR: '1', KEYLEAK_PROGRESS_DELAY_MS: '0', ...env },
  });
  // `script -e` exits as keyleak did: 1 when a scan found secrets.
  expect(run.status, run.stderr).toBe(expectedExit);
  return run.stdout.replace(/\r\n/g, '\n');
}

/** The progress lines drawn, in order (each starts with the erase sequence and is not the bare erase at the end). */
function progressLines(drawn: string): string[] {
  return [...drawn.matchAll(/\r\x1b\[K(keyleak: [^\r\n]*?)(?=\r\x1b\[K)/g)].map((match) => match[1]!);
}

const report = path.join(tmpdir(), `keyleak-progress-${process.pid}.json`);
afterAll(() => rmSync(report, { force: true }));

describe.skipIf(!HAS_SCRIPT)('the progress line', () => {
  it('counts files and bytes and names the artifact on a terminal, then erases itself before the report', () => {
    const drawn = inTerminal(['scan', ...APPS, '--threads', '1']);
    const lines = progressLines(drawn);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^keyleak: 0\/3 files · 0 bytes · \d+s · fixtures\/apps\/out\/(?:leaky\.apk|Leaky\.ipa|app\.asar)$/);
    for (const line of lines) expect([...line].length).toBeLessThan(80);
    // The last thing drawn before the report is the erase: the report starts on a clean line.
    const afterProgress = drawn.lastIndexOf(ERASE) + ERASE.length;
    expect(drawn.slice(afterProgress)).toMatch(/^fixtures\/apps\/out\/.*\n[\s\S]*secrets? \(/);
    expect(drawn.slice(afterProgress)).not.toContain('keyleak:');
  });

  it('counts commits in a history scan', () => {
    const repo = makeRepo({ 'a.env': `KEY=${stripeKey()}\n` });
    try {
      repo.commit('one');
      repo.write('b.env', `KEY=${stripeKey()}\n`);
      repo.commit('two');
      const lines = progressLines(inTerminal(['git', '.', '--threads', '1'], {}, repo.root));
      // Lines drawn less than 100 ms apart are skipped, so the last drawn may be the first commit's.
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/^keyleak: (?:1 commit|2 commits) · \d+ bytes · \d+s · [0-9a-f]{12} [ab]\.env$/);
    } finally {
      repo.remove();
    }
  });

  it('shows while a baseline is created, and --quiet silences it there too', () => {
    const baseline = `${report}.baseline`;
    try {
      expect(progressLines(inTerminal(['baseline', 'create', ...APPS, '--output', baseline], {}, process.cwd(), 0)).length).toBeGreaterThan(0);
      expect(inTerminal(['baseline', 'create', ...APPS, '--output', baseline, '--quiet'], {}, process.cwd(), 0)).not.toContain('keyleak:');
      expect(readFileSync(baseline, 'utf8')).not.toContain('\x1b');
    } finally {
      rmSync(baseline, { force: true });
    }
  });

  it('never reaches a report file: the JSON written with --output parses as it is', () => {
    const drawn = inTerminal(['scan', ...APPS, '--format', 'json', '--output', report]);
    expect(progressLines(drawn).length).toBeGreaterThan(0);
    expect(readFileSync(report, 'utf8')).not.toContain('\x1b');
    expect((JSON.parse(readFileSync(report, 'utf8')) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
  });

  it('is silenced by --quiet and on CI', () => {
    expect(inTerminal(['scan', ...APPS, '--quiet'])).not.toContain('keyleak:');
    const repo = makeRepo({ 'a.env': `KEY=${stripeKey()}\n` });
    try {
      repo.commit('one');
      expect(inTerminal(['git', '.', '-q'], {}, repo.root)).not.toContain('keyleak:');
    } finally {
      repo.remove();
    }
    expect(inTerminal(['scan', ...APPS], { CI: 'true' })).not.toContain('keyleak:');
    expect(inTerminal(['scan', ...APPS], { TERM: 'dumb' })).not.toContain('keyleak:');
  });
});

describe('onProgress in the library', () => {
  it('ends with every file counted and every byte, with workers and without', async () => {
    for (const threads of [1, 2]) {
      const seen: ScanProgress[] = [];
      const result = await scan({ paths: APPS, threads, onProgress: (progress) => seen.push(progress) });
      expect(seen.at(-1), `threads ${threads}`).toMatchObject({ unit: 'files', done: 3, total: 3, bytes: result.stats.bytes });
      expect(seen.map((progress) => progress.done)).toEqual([...seen.map((progress) => progress.done)].sort((a, b) => a - b));
    }
  });

  it('counts the commits of a history scan as they are read', async () => {
    const repo = makeRepo({ 'a.env': `KEY=${stripeKey()}\n` });
    try {
      repo.commit('one');
      repo.write('b.env', `KEY=${stripeKey()}\n`);
      const second = repo.commit('two');
      const seen: ScanProgress[] = [];
      const ruleset = await loadRuleset({}, repo.root);
      await scanGit({ repo: repo.root, ruleset, selection: { kind: 'history', refs: 'all' }, threads: 1, onProgress: (progress) => seen.push(progress) });
      expect(seen.at(-1)).toMatchObject({ unit: 'commits', done: 2 });
      expect(seen.map((progress) => progress.current)).toContain(`${second.slice(0, 12)} b.env`);
    } finally {
      repo.remove();
    }
  });
});

describe('without a terminal', () => {
  it('writes nothing to a redirected stderr', () => {
    const run = keyleak(['scan', ...APPS, '--format', 'sarif']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\x1b');
  });
});

describe.skipIf(HAS_SCRIPT)('the progress line', () => {
  it.skip('skipped: util-linux `script` is not installed, so no pseudo-terminal can be made', () => undefined);
});
