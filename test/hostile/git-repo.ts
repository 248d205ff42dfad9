/** Repositories built at test time for the git hardening tests, and the CLI's JSON answer on them. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isPlaceholder } from '../../src/detect/filters.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A live-format Stripe secret key: `sk_live_` and 32 random base62 characters. About one in 20,000
 * random keys holds a placeholder word (`tOdO`, `dummy`) that the detector takes as not a secret;
 * those are drawn again so tests with thousands of keys stay deterministic.
 */
export function stripeKey(): string {
  for (;;) {
    const key = `sk_live_${[...randomBytes(32)].map((byte) => BASE62[byte % 62]).join('')}`;
    if (!isPlaceholder(key)) return key;
  }
}

export interface Repo extends Tree {
  git(...args: readonly string[]): string;
  /** Stages everything and commits; returns the new commit's sha. */
  commit(message: string): string;
}

export function makeRepo(files: Readonly<Record<string, string | Uint8Array>> = {}): Repo {
  const tree = makeTree(files);
  const git = (...args: readonly string[]) => execFileSync('git', [...args], { cwd: tree.root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'dev@example.org');
  git('config', 'user.name', 'Dev');
  git('config', 'commit.gpgsign', 'false');
  return {
    ...tree,
    git,
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
  };
}

export interface Occurrence {
  readonly path: string;
  readonly startLine: number;
  readonly startColumn: number;
  readonly commit?: { readonly sha: string; readonly subject: string; readonly author: string; readonly email: string };
}

export interface Report {
  readonly findings: readonly {
    readonly secret: string;
    readonly occurrences: readonly Occurrence[];
    readonly history?: { readonly introduced: { readonly sha: string }; readonly presentAtHead: boolean; readonly removedIn?: { readonly sha: string }; readonly onlyOn?: readonly string[] };
  }[];
  readonly notices: readonly { readonly level: string; readonly code: string; readonly message: string; readonly path?: string }[];
}

export function scanGitJson(args: readonly string[], cwd: string): { readonly code: number | null; readonly report: Report; readonly stderr: string } {
  const result = keyleak(['git', ...args, '--format', 'json', '--no-redact'], { cwd });
  return { code: result.code, report: result.stdout ? (JSON.parse(result.stdout) as Report) : { findings: [], notices: [] }, stderr: result.stderr };
}

/** `secret path:line` for each occurrence, sorted, to compare whole answers at once. */
export function placesOf(report: Report): string[] {
  return report.findings.flatMap((finding) => finding.occurrences.map((occurrence) => `${finding.secret} ${occurrence.path}:${occurrence.startLine}`)).sort();
}
