/**
 * Hardening: crafted names cannot drive the terminal. File and archive entry names, commit
 * subjects and authors, rule remediation text, notices and stderr messages print control and bidi
 * characters as visible escapes.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeControls, escapeControlsKeepingLines } from '../../src/report/terminal.js';
import { zip } from '../helpers/archives.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const STRIPE = 'sk_live_oaF1LlqsajAIxNKu8iS2G8NPRVdD53X83RZJabcd';
const STRIPE_IN_ZIP = 'sk_live_uvSwMFLZDe1f8rESQedUStPKR0CsTy4Qwb8DwkNh';

/** Clear the screen and home the cursor; set the window title; ring the bell. */
const CLEAR = '\x1b[2J\x1b[H';
const TITLE = '\x1b]0;pwned\x07';
const RLO = '\u202e';

/** Whether `text` holds anything a terminal would act on: C0/C1 controls other than line ends, or bidi controls. */
function hasControls(text: string): boolean {
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    [`title${TITLE}.env`]: `KEY=${STRIPE}\n`,
    [`fake\rline${RLO}vne.env`]: `KEY=${STRIPE}\n`,
    'app.zip': zip([{ name: `conf${CLEAR}/keys.env`, content: `KEY=${STRIPE_IN_ZIP}\n` }]),
    // The minified line itself carries a terminal sequence right next to the secret.
    'snippet.js': `a="${STRIPE}";${TITLE}b=1;\n`,
    'rules/evil.toml': `provider = "Evil"
[[rules]]
id = "evil-token"
description = "An evil token.\\u001b[2J"
remediation = "Rotate it.\\u001b]0;pwned\\u0007"
regex = '''\\b(evil_[A-Za-z0-9]{24})\\b'''
keywords = ["evil_"]
entropy = 3.0
examples = ["EVIL=evil_Q7fK2mZp9XwL4rT8vB1nC6yD"]
`,
    'uses-evil/x.txt': 'evil_Q7fK2mZp9XwL4rT8vB1nC6yD\n',
    [`bin${CLEAR}.png`]: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
  });
});
afterAll(() => tree.remove());

const run = (args: readonly string[]) => keyleak(args, { cwd: tree.root });

describe('text report', () => {
  it('escapes control and bidi characters in file names, archive entry names and snippets', () => {
    const result = run(['scan', '.', '--rules', 'rules/evil.toml']);
    expect(result.code).toBe(1);
    expect(hasControls(result.stdout)).toBe(false);
    expect(result.stdout).toContain('title\\x1b]0;pwned\\x07.env\n  1:5');
    expect(result.stdout).toContain('fake\\rline\\u202evne.env\n');
    expect(result.stdout).toContain('app.zip!conf\\x1b[2J\\x1b[H/keys.env\n');
    expect(result.stdout).toContain('a="sk_l*****";\\x1b]0;pwned\\x07b=1;');
    expect(result.stdout).toContain('evil-token: Rotate it.\\x1b]0;pwned\\x07');
  });

  it('escapes notice paths', () => {
    const result = run(['scan', `bin${CLEAR}.png`]);
    expect(hasControls(result.stdout)).toBe(false);
    expect(result.stdout).toContain('bin\\x1b[2J\\x1b[H.png');
  });

  it('leaves JSON to JSON escaping', () => {
    const result = run(['scan', `title${TITLE}.env`, '--format', 'json']);
    const report = JSON.parse(result.stdout) as { findings: { occurrences: { path: string }[] }[] };
    expect(report.findings[0]!.occurrences[0]!.path).toBe(`title${TITLE}.env`);
  });
});

describe('git report', () => {
  let repo: Tree;
  beforeAll(() => {
    repo = makeTree({ 'keys.env': `KEY=${STRIPE}\n` });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.root });
    git('init', '-q');
    git('add', '.');
    git('-c', `user.name=Mallory${CLEAR}`, '-c', `user.email=m${TITLE}@example.org`, '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', `fix${RLO}txt.exe\rforged: nothing found`);
  });
  afterAll(() => repo.remove());

  it('escapes commit subjects and authors', () => {
    const result = keyleak(['git', '.'], { cwd: repo.root });
    expect(result.code).toBe(1);
    expect(hasControls(result.stdout)).toBe(false);
    expect(result.stdout).toContain('(Mallory\\x1b[2J\\x1b[H <m\\x1b]0;pwned\\x07@example.org>');
    expect(result.stdout).toContain('"fix\\u202etxt.exe');
  });
});

describe('rules list', () => {
  it('escapes providers and ids from user rule files', () => {
    tree.write('rules-odd/odd.toml', `provider = "Odd\\u001b[2J\\u202e"
[[rules]]
id = "odd-token"
description = "An odd token."
remediation = "Rotate it."
regex = '''\\b(odd_[A-Za-z0-9]{24})\\b'''
keywords = ["odd_"]
examples = ["ODD=odd_Q7fK2mZp9XwL4rT8vB1nC6yD"]
`);
    const result = run(['rules', 'list', '--no-builtin-rules', '--rules', 'rules-odd/odd.toml']);
    expect(result.code).toBe(0);
    expect(hasControls(result.stdout)).toBe(false);
    expect(result.stdout).toContain('odd-token  error    confidential  Odd\\x1b[2J\\u202e\n');
  });
});

describe('stderr messages', () => {
  it('escape user-controlled names in one-line errors', () => {
    const result = run(['scan', `missing${CLEAR}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: missing\\x1b[2J\\x1b[H: no such file or directory\n');
  });

  it('escape them in usage errors', () => {
    const result = run(['scan', '--format', `x${TITLE}`]);
    expect(result.code).toBe(2);
    expect(hasControls(result.stderr)).toBe(false);
    expect(result.stderr).toContain("argument 'x\\x1b]0;pwned\\x07' is invalid");
  });
});

describe('escapeControls', () => {
  it('writes controls as visible escapes and leaves other text alone', () => {
    expect(escapeControls('a\x1b[31mb\x07c\nd\re\tf\x00g\x7fh\x9bi')).toBe('a\\x1b[31mb\\x07c\\nd\\re\\tf\\x00g\\x7fh\\x9bi');
    expect(escapeControls('ab\u202ecd\u2066e\u2069\u200f\u2028')).toBe('ab\\u202ecd\\u2066e\\u2069\\u200f\\u2028');
    expect(escapeControls('café → 日本 ✔ \\n')).toBe('café → 日本 ✔ \\n');
  });

  it('can keep line ends for multi-line messages', () => {
    expect(escapeControlsKeepingLines('one\x1b\ntwo\r\n')).toBe('one\\x1b\ntwo\\r\n');
  });
});
