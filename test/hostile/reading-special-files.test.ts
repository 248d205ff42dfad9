/**
 * Devices, FIFOs and sockets: named on the command line, reached through a symlink named there (as
 * pre-commit passes file names), met in a walked folder, or standing where keyleak reads its own
 * configuration. None may block keyleak or be read without end.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTree, type Tree } from '../helpers/tree.js';
import { keyleakWithin, noticeKeys, placesOf, scanJson } from './reading-cli.js';

const KEY = 'sk_live_vQr28YEJPGugSKLTSqudP2CUa2BBnIdjQNszhKN5';

let tree: Tree;
let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  tree?.remove();
});

function fifo(relative: string): string {
  const target = path.join(tree.root, relative);
  execFileSync('mkfifo', [target]);
  return target;
}

async function socket(relative: string): Promise<void> {
  const listening = createServer();
  server = listening;
  await new Promise<void>((resolve) => listening.listen(path.join(tree.root, relative), resolve));
}

describe('special files named on the command line', () => {
  it('/dev/zero is a not-a-file warning, and the other file is still scanned', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n` });
    const { code, report } = scanJson(['/dev/zero', 'app.env'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['app.env:1:5']);
    expect(noticeKeys(report)).toEqual(['warning not-a-file /dev/zero']);
    expect(report.notices[0]!.message).toBe('is a character device, not a regular file; not read');
  });

  it('a FIFO, a symlink to a FIFO and a socket are refused without blocking; exit 2 when nothing else is found', async () => {
    tree = makeTree({ 'clean.txt': 'nothing here\n' });
    fifo('myfifo');
    symlinkSync('myfifo', path.join(tree.root, 'link-to-fifo'));
    await socket('my.sock');
    const { code, report } = scanJson(['myfifo', 'link-to-fifo', 'my.sock', 'clean.txt'], tree.root);
    expect(code).toBe(2);
    expect(noticeKeys(report)).toEqual(['warning not-a-file link-to-fifo', 'warning not-a-file my.sock', 'warning not-a-file myfifo']);
    expect(report.notices.find((notice) => notice.path === 'myfifo')?.message).toBe('is a FIFO (named pipe), not a regular file; not read');
    expect(report.notices.find((notice) => notice.path === 'my.sock')?.message).toBe('is a socket, not a regular file; not read');
  });

  it('a named symlink to a missing target is a broken-symlink note, not an unreadable file', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n` });
    symlinkSync('gone.env', path.join(tree.root, 'dangling.env'));
    const { code, report } = scanJson(['dangling.env', 'app.env'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['app.env:1:5']);
    expect(noticeKeys(report)).toEqual(['note broken-symlink dangling.env']);
  });
});

describe('special files in a walked folder', () => {
  it('are listed in a note and not opened; the readable files are scanned', async () => {
    tree = makeTree({ 'src/app.env': `KEY=${KEY}\n` });
    fifo('src/pipe.env');
    await socket('src/agent.sock');
    const { code, report } = scanJson(['.'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['src/app.env:1:5']);
    expect(noticeKeys(report)).toEqual(['note not-a-file src/agent.sock', 'note not-a-file src/pipe.env']);
  });

  it('a FIFO .gitignore or .keyleakignore is not read, and the scan completes', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n`, 'sub/b.env': `KEY=${KEY}\n` });
    fifo('.gitignore');
    fifo('sub/.keyleakignore');
    const { code, report } = scanJson(['.'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY).sort()).toEqual(['app.env:1:5', 'sub/b.env:1:5']);
    expect(noticeKeys(report)).toEqual(['note not-a-file .gitignore', 'note not-a-file sub/.keyleakignore']);
  });
});

describe('configuration files that are not regular files', () => {
  it('a FIFO keyleak.toml stops the scan with one line naming it', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n` });
    fifo('keyleak.toml');
    const run = keyleakWithin(['scan', '.'], tree.root);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('keyleak: keyleak.toml: is a FIFO (named pipe), not a regular file\n');
  });

  it('--config naming a FIFO, or a FIFO rule file, stops with one line naming it', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n` });
    fifo('gitleaks.toml');
    fifo('rules.toml');
    for (const args of [['--config', 'gitleaks.toml'], ['--rules', 'rules.toml']]) {
      const run = keyleakWithin(['scan', '.', ...args], tree.root);
      expect(run.timedOut).toBe(false);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^keyleak: .*${args[1]!.replace('.', '\\.')}.*cannot be read`));
    }
  });

  it('a FIFO .gitleaks.toml or .gitleaksignore at the root is not read, and the scan completes', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n` });
    fifo('.gitleaks.toml');
    fifo('.gitleaksignore');
    const { code, report } = scanJson(['.'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['app.env:1:5']);
  });

  it('--baseline naming a FIFO stops with one line naming it', () => {
    tree = makeTree({ 'app.env': `KEY=${KEY}\n` });
    fifo('baseline.json');
    const run = keyleakWithin(['scan', '.', '--baseline', 'baseline.json'], tree.root);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('keyleak: baseline.json: cannot read the baseline\n');
  });
});
