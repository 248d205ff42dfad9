/** Builds small rulesets from TOML text for tests, through the real parser and compiler. */
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { compileRuleset, type Ruleset } from '../../src/ruleset/compile.js';
import { detect } from '../../src/detect/detector.js';
import type { Hit } from '../../src/types.js';

export function rulesetFrom(toml: string, documentedExamples: readonly string[] = []): Ruleset {
  const parsed = parseRuleText('test.toml', toml);
  if (parsed.problems.length > 0) throw new Error(parsed.problems.map((problem) => problem.message).join('\n'));
  return compileRuleset({ rules: parsed.rules, global: { allowlists: parsed.allowlists, documentedExamples: [...parsed.documentedExamples, ...documentedExamples] } });
}

export function hitsIn(ruleset: Ruleset, text: string, path = 'file.txt'): Hit[] {
  return detect({ text, provenance: { kind: 'file', path } }, ruleset);
}

/** Compact keys such as `demo-token 3:14 tok_...`: what the tests assert. */
export function keys(hits: readonly Hit[]): string[] {
  return hits.map((hit) => `${hit.ruleId} ${hit.region.startLine}:${hit.region.startColumn}-${hit.region.endLine}:${hit.region.endColumn} ${hit.secret}`);
}
