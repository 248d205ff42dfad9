/**
 * The built CLI under a deadline: hostile input must not hang keyleak, and a test that spawns it
 * synchronously could not notice a hang otherwise (vitest's timeout cannot interrupt spawnSync).
 */
import { spawnSync } from 'node:child_process';
import { BIN } from '../helpers/cli.js';

export interface Report {
  readonly findings: readonly {
    readonly secret: string;
    readonly occurrences: readonly { readonly path: string; readonly startLine: number; readonly startColumn: number; readonly original?: { readonly source: string; readonly line: number; readonly column: number } }[];
  }[];
  readonly notices: readonly { readonly level: string; readonly code: string; readonly message: string; readonly path?: string }[];
}

export interface Run {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

const DEADLINE_MS = 20_000;

export function keyleakWithin(args: readonly string[], cwd: string, options: { readonly withoutFileCapabilities?: boolean } = {}): Run {
  const dropCapabilities = options.withoutFileCapabilities === true && process.getuid?.() === 0;
  const [command, prefix] = dropCapabilities
    ? ['setpriv', ['--inh-caps=-all', '--bounding-set=-dac_override,-dac_read_search', process.execPath]]
    : [process.execPath, []];
  const result = spawnSync(command, [...prefix, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', HOME: process.env['HOME'] ?? '/tmp' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: DEADLINE_MS,
    killSignal: 'SIGKILL',
  });
  return { code: result.status, timedOut: result.signal === 'SIGKILL', stdout: result.stdout, stderr: result.stderr };
}

/** `keyleak scan --format json --no-redact`, parsed; fails the test with the process's stderr when it did not finish. */
export function scanJson(args: readonly string[], cwd: string, options: { readonly withoutFileCapabilities?: boolean } = {}): { readonly code: number | null; readonly report: Report; readonly stdout: string; readonly stderr: string } {
  const run = keyleakWithin(['scan', '--format', 'json', '--no-redact', '--threads', '1', ...args], cwd, options);
  if (run.timedOut) throw new Error(`keyleak ${args.join(' ')} did not finish within ${DEADLINE_MS} ms`);
  let report: Report;
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`keyleak ${args.join(' ')} exited ${run.code} without a JSON report; stderr: ${run.stderr.slice(0, 2000)}`);
  }
  return { code: run.code, report, stdout: run.stdout, stderr: run.stderr };
}

/** `path:line:column` of every occurrence of `secret`. */
export function placesOf(report: Report, secret: string): string[] {
  return report.findings.filter((finding) => finding.secret === secret).flatMap((finding) => finding.occurrences.map((o) => `${o.path}:${o.startLine}:${o.startColumn}`));
}

/** `level code path` of every notice. */
export function noticeKeys(report: Report): string[] {
  return report.notices.map((notice) => `${notice.level} ${notice.code} ${notice.path ?? ''}`);
}
