/** Problems in a rule file, addressed as `rules/stripe.toml: rule stripe-secret-key: regex: Invalid group`. */

export interface RuleProblem {
  readonly file: string;
  readonly ruleId?: string;
  readonly field?: string;
  readonly message: string;
  /** For problems that skip a rule instead of stopping the load: how the scan reports it (default: a `rule-skipped` note). */
  readonly level?: 'warning' | 'note';
  readonly code?: string;
}

export function formatRuleProblem(problem: RuleProblem): string {
  return [problem.file, problem.ruleId === undefined ? undefined : `rule ${problem.ruleId}`, problem.field, problem.message]
    .filter((part) => part !== undefined)
    .join(': ');
}

/** Thrown by the loader when rule files are invalid; carries every problem found, not just the first. */
export class RuleError extends Error {
  constructor(readonly problems: readonly RuleProblem[]) {
    super(problems.map(formatRuleProblem).join('\n'));
    this.name = 'RuleError';
  }
}
