/** What every reporter receives besides the findings. */
import type { Finding, Level, Notice, RuleSpec, ScanStats } from '../types.js';
import type { RepositoryLinks } from './commit-links.js';

export interface ReportContext {
  readonly rules: readonly RuleSpec[];
  readonly notices: readonly Notice[];
  readonly stats: Omit<ScanStats, 'durationMs'>;
  readonly toolVersion: string;
  /** Working directory the display paths are relative to (SARIF %SRCROOT%). */
  readonly cwd: string;
  /** Hide most of each secret (default in every human-facing format). */
  readonly redact: boolean;
  /** ANSI colours in the text report (only when writing to a terminal). */
  readonly color: boolean;
  /** The scanned repository's web pages, when its remote is on a known host (history scans; HTML links commits to them). */
  readonly repository?: RepositoryLinks;
}

/** Pure: findings in, document out. */
export type Reporter = (findings: readonly Finding[], context: ReportContext) => string;

/** SARIF `security-severity` (0–10, GitHub's scale) by level: high, medium, low. */
export function securitySeverity(level: Level): string {
  switch (level) {
    case 'error':
      return '8.0';
    case 'warning':
      return '5.0';
    case 'note':
      return '2.0';
  }
}

/** Why a likely placeholder is listed, in the same words in every format. */
export const LIKELY_PLACEHOLDER_NOTE = 'typed by hand (a counting or repeating run) where a credential goes; check that the real value is not committed elsewhere';
