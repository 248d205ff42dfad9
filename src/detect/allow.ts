/** Allowlists (gitleaks semantics) and inline `keyleak:allow` markers. */
import type { Allowlist } from '../ruleset/compile.js';

export interface AllowCandidate {
  readonly secret: string;
  readonly match: string;
  readonly line: string;
  readonly path: string;
}

/** Whether a global allowlist covers a rule (gitleaks targetRules; all rules when none are named). */
export function allowlistTargets(allowlist: Allowlist, ruleId: string): boolean {
  return allowlist.targetRules.size === 0 || allowlist.targetRules.has(ruleId);
}

/** OR: any criterion that is present allows; AND: every criterion that is present must allow. */
export function allowlistAllows(allowlist: Allowlist, candidate: AllowCandidate): boolean {
  const target = candidate[allowlist.regexTarget];
  const secret = candidate.secret.toLowerCase();
  const checks: boolean[] = [];
  if (allowlist.paths.length > 0) checks.push(allowlist.paths.some((path) => path.test(candidate.path)));
  if (allowlist.regexes.length > 0) checks.push(allowlist.regexes.some((regex) => regex.test(target)));
  if (allowlist.stopwords.length > 0) checks.push(allowlist.stopwords.some((word) => secret.includes(word)));
  // Text from a working tree has no commit, so a commit criterion never allows it.
  if (allowlist.commits.size > 0) checks.push(false);
  return allowlist.condition === 'AND' ? checks.every(Boolean) : checks.some(Boolean);
}

/** An allowlist that only names paths can skip a whole file before it is read. */
export function allowlistSkipsPath(allowlist: Allowlist, path: string): boolean {
  const pathOnly = allowlist.regexes.length === 0 && allowlist.stopwords.length === 0 && allowlist.commits.size === 0 && allowlist.targetRules.size === 0;
  return pathOnly && allowlist.paths.some((regex) => regex.test(path));
}

const INLINE_ALLOW = /(?:keyleak|gitleaks):allow/;

export function hasInlineAllow(line: string): boolean {
  return INLINE_ALLOW.test(line);
}
