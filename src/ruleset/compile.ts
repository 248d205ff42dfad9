/** Turns validated rule specs into the compiled form the detector runs: regexes built once, lookups prepared. */
import type { AllowlistSpec, FilterName, PatternSpec, RuleSpec, RulesetSpec } from '../types.js';
import { DEFAULT_FILTERS } from '../detect/filters.js';
import { checksums } from '../detect/checksum.js';
import { keywordIndex, type KeywordIndex } from '../detect/keywords.js';
import { compileSearchRegex } from './regex.js';

export interface Allowlist {
  readonly condition: 'OR' | 'AND';
  readonly regexTarget: 'secret' | 'match' | 'line';
  readonly regexes: readonly RegExp[];
  readonly paths: readonly RegExp[];
  readonly stopwords: readonly string[];
  readonly commits: ReadonlySet<string>;
  /** Rule ids a global allowlist is limited to; empty for all. */
  readonly targetRules: ReadonlySet<string>;
}

export interface Rule {
  readonly spec: RuleSpec;
  readonly regex: RegExp;
  /** For a rule whose matches start at its keywords: the regex tried only where they start. */
  readonly sticky: RegExp | undefined;
  readonly path?: RegExp;
  readonly filters: readonly FilterName[];
  readonly checksum?: (secret: string) => boolean;
  readonly allowlists: readonly Allowlist[];
}

export interface Ruleset {
  readonly spec: RulesetSpec;
  readonly rules: readonly Rule[];
  readonly keywords: KeywordIndex;
  readonly allowlists: readonly Allowlist[];
  readonly documentedExamples: ReadonlySet<string>;
  /** The scan's date, in milliseconds since the epoch: what a filter that judges expiry compares with. */
  readonly now: number;
  /** Rules (by index) left out of this scan: in a worker, those that overran on the file. */
  readonly skipRule?: (ruleIndex: number) => boolean;
  /**
   * Told the rule (by index) whose regex is about to search, and undefined when searching is over:
   * workers tell the pool, so a runaway search can be stopped and blamed on the right rule.
   */
  readonly searching?: (ruleIndex: number | undefined) => void;
}

function compilePattern(pattern: PatternSpec): RegExp {
  return new RegExp(pattern.source, pattern.flags);
}

export function compileAllowlist(spec: AllowlistSpec): Allowlist {
  return {
    condition: spec.condition,
    regexTarget: spec.regexTarget,
    regexes: spec.regexes.map(compilePattern),
    paths: spec.paths.map(compilePattern),
    stopwords: spec.stopwords,
    commits: new Set(spec.commits),
    targetRules: new Set(spec.targetRules),
  };
}

export function compileRule(spec: RuleSpec): Rule {
  // Regexes are built when first searched with: a pre-commit run searches with a handful of rules.
  let regex: RegExp | undefined;
  let sticky: RegExp | undefined;
  return {
    spec,
    get regex() {
      return (regex ??= compileSearchRegex(spec.regex, spec.flags, 'global'));
    },
    get sticky() {
      return spec.anchored ? (sticky ??= compileSearchRegex(spec.regex, spec.flags, 'sticky')) : undefined;
    },
    ...(spec.path === undefined ? {} : { path: compilePattern(spec.path) }),
    filters: [...new Set([...(spec.defaultFilters ? DEFAULT_FILTERS : []), ...spec.filters])],
    ...(spec.checksum === undefined ? {} : { checksum: checksums[spec.checksum] }),
    allowlists: spec.allowlists.map(compileAllowlist),
  };
}

export function compileRuleset(spec: RulesetSpec, now: number = Date.now()): Ruleset {
  const rules = spec.rules.map(compileRule);
  return {
    spec,
    rules,
    keywords: keywordIndex(
      rules.map((rule) => rule.spec.keywords),
      // Anchored rules search from their keywords; provider rules' spoken names are read from them.
      rules.map((rule) => rule.spec.anchored || !rule.spec.generic),
    ),
    allowlists: spec.global.allowlists.map(compileAllowlist),
    documentedExamples: new Set(spec.global.documentedExamples),
    now,
  };
}
