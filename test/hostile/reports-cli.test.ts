/**
 * Hardening of the CLI shell: bugs end in one line and exit 2 (never a stack, never 1), --output
 * never leaves half a report, and hostile flag values are one-line usage errors.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run.js';
import { internalErrorMessage } from '../../src/cli/errors.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const STRIPE = 'sk_live_xtpYlSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40';

let tree: Tree;
beforeAll(() => {
  tree = makeTree({ 'keys.env': `KEY=${STRIPE}\n`, 'out/.keep': '' });
});
afterAll(() => {
  chmodSync(`${tree.root}/out`, 0o755);
  tree.remove();
});

const cli = (args: readonly string[], options: { withoutFileCapabilities?: boolean } = {}) => keyleak(args, { cwd: tree.root, ...options });

describe('internal errors', () => {
  const failingIo = (stderr: string[]) => ({
    stdout: () => {
      throw new TypeError('cannot read properties of undefined');
    },
    stderr: (text: string) => stderr.push(text),
    cwd: tree.root,
    color: false,
  });

  it('a bug while reporting is one line and exit 2, not a stack and exit 1', async () => {
    const stderr: string[] = [];
    expect(await run(['scan', 'keys.env'], failingIo(stderr))).toBe(2);
    expect(stderr.join('')).toBe('keyleak: internal error: cannot read properties of undefined (run with --debug for the stack trace)\n');
  });

  it('--debug adds the stack trace', async () => {
    const stderr: string[] = [];
    expect(await run(['scan', 'keys.env', '--debug'], failingIo(stderr))).toBe(2);
    expect(stderr.join('')).toMatch(/^keyleak: internal error: cannot read properties of undefined\nTypeError: cannot read properties of undefined\n\s+at /);
  });

  it('formats a thrown non-Error too', () => {
    expect(internalErrorMessage('odd', false)).toBe('keyleak: internal error: odd (run with --debug for the stack trace)\n');
  });

  it('a stray rejection after main() started ends in one line and exit 2', () => {
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const script = `const { main } = await import(${JSON.stringify(main)}); setTimeout(() => Promise.reject(new Error('late failure')), 0); await main(['--version']);`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('keyleak: internal error: late failure (run with --debug for the stack trace)\n');
  });

  it('a closed pipe (keyleak | head) ends quietly with the scan’s exit code', () => {
    const bin = fileURLToPath(new URL('../../bin/keyleak.js', import.meta.url));
    const many = makeTree(Object.fromEntries([...Array(300).keys()].map((index) => [`f${index}.env`, `KEY=${STRIPE.slice(0, -3)}${String(index).padStart(3, '0')}\n`])));
    try {
      const result = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" scan . --no-redact | head -c 10`], { cwd: many.root, encoding: 'utf8' });
      expect(result.stdout).toHaveLength(10);
      expect(result.stderr).toBe('');
    } finally {
      many.remove();
    }
  });
});

describe('--output', () => {
  it('to a missing folder: exit 2, one line naming the file', () => {
    const result = cli(['scan', 'keys.env', '--output', 'nowhere/report.txt']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: nowhere/report.txt: cannot write the report: its folder does not exist\n');
  });

  it('to a folder', () => {
    const result = cli(['scan', 'keys.env', '--output', 'out']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: out: cannot write the report: it is a folder\n');
  });

  it('to a read-only folder, leaving nothing behind', () => {
    chmodSync(`${tree.root}/out`, 0o555);
    try {
      const result = cli(['scan', 'keys.env', '--output', 'out/report.json', '--format', 'json'], { withoutFileCapabilities: true });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('keyleak: out/report.json: cannot write the report: permission denied\n');
      expect(readdirSync(`${tree.root}/out`)).toEqual(['.keep']);
    } finally {
      chmodSync(`${tree.root}/out`, 0o755);
    }
  });

  it('to a read-only file: refused, the file untouched', () => {
    const target = tree.write('locked.txt', 'old report\n');
    chmodSync(target, 0o444);
    const result = cli(['scan', 'keys.env', '--output', 'locked.txt'], { withoutFileCapabilities: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: locked.txt: cannot write the report: permission denied\n');
    expect(readFileSync(target, 'utf8')).toBe('old report\n');
  });

  it.runIf(existsSync('/dev/full'))('to a full disk (/dev/full): exit 2, one line', () => {
    const result = cli(['scan', 'keys.env', '--output', '/dev/full']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: /dev/full: cannot write the report: no space left on the device\n');
  });

  it('to /dev/stdout (a pipe) still writes the report', () => {
    const bin = fileURLToPath(new URL('../../bin/keyleak.js', import.meta.url));
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" scan keys.env --output /dev/stdout --format json | cat`], { cwd: tree.root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.stdout) as { findings: unknown[] }).findings).toHaveLength(1);
  });

  it('replaces a regular file whole, keeping its mode, with no temporary file left', () => {
    const target = tree.write('out/report.json', 'x'.repeat(100_000));
    chmodSync(target, 0o640);
    expect(cli(['scan', 'keys.env', '--output', 'out/report.json', '--format', 'json']).code).toBe(1);
    expect((JSON.parse(readFileSync(target, 'utf8')) as { findings: unknown[] }).findings).toHaveLength(1);
    expect(readdirSync(`${tree.root}/out`).sort()).toEqual(['.keep', 'report.json']);
  });

  it('baseline create --output has the same safety', () => {
    const missing = cli(['baseline', 'create', 'keys.env', '--output', 'nowhere/baseline.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('keyleak: nowhere/baseline.json: cannot write the baseline: its folder does not exist\n');
    mkdirSync(`${tree.root}/bl`, { recursive: true });
    const written = cli(['baseline', 'create', 'keys.env', '--output', 'bl/baseline.json']);
    expect(written.code).toBe(0);
    expect(readdirSync(`${tree.root}/bl`)).toEqual(['baseline.json']);
  });
});

describe('hostile flag values', () => {
  it.each([
    [['scan', '--threads', '0']],
    [['scan', '--threads', '-1']],
    [['scan', '--threads', '1e3']],
    [['scan', '--threads', '0x10']],
    [['scan', '--threads', ' ']],
    [['scan', '--max-archive-depth', '']],
    [['scan', '--max-archive-entries', '99999999999999999999']],
    [['scan', '--max-file-size', 'lots']],
    [['scan', '--format', 'junk']],
    [['scan', '--fail-on', 'junk']],
    [['scan', '--output', '']],
    [['scan', '--rules', '']],
    [['scan', '--config', '']],
    [['scan', '--baseline', '']],
    [['scan', '--disable-rule', '']],
    [['scan', '']],
    [['scan', '-weird']],
    [['scan', '--', '-weird']],
    [['git', '--max-commits', '1e21']],
    [['git', '--since', '']],
    [['git', '--branch', '']],
    [['git', '']],
    [['baseline', 'create', '--output', '']],
    [['rules', 'check', '']],
    [['rules', 'list', '--format', 'xml']],
    [['install-hook', '']],
    [['nonsense']],
  ])('%j: exit 2 with a message and no stack trace', (args) => {
    const result = cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^(keyleak: |error: )/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('empty values get a message saying so', () => {
    expect(cli(['scan', '']).stderr).toBe('keyleak: an empty path was given (use . for the current folder)\n');
    expect(cli(['scan', '--config', '']).stderr).toContain("option '--config <file>' argument '' is invalid. must not be empty");
  });

  it('--threads 99999 is capped to the cores and the scan runs', () => {
    const result = cli(['scan', 'keys.env', '--threads', '99999']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('keys.env\n  1:5 ');
  });
});
