/**
 * The rule harness: every example runs through the real detector, keywords must occur in every
 * positive, each positive is re-embedded in a matrix of contexts, and each regex gets a ReDoS budget.
 * `keyleak rules check` and test/rules.test.ts both call this.
 */
import type { RuleSpec, RulesetSpec } from '../types.js';
import { compileRuleset, type Ruleset } from './compile.js';
import { detect } from '../detect/detector.js';
import type { RuleProblem } from './errors.js';
import { catastrophicBacktracking } from './redos.js';

export const MIN_POSITIVE_EXAMPLES = 2;
export const MIN_NEGATIVE_EXAMPLES = 2;
/** Shorter keywords occur in nearly every file and defeat the prefilter. */
export const MIN_KEYWORD_LENGTH = 3;
/** Wall-clock budget for one rule's regex on all adversarial inputs together. */
export const REDOS_BUDGET_MS = 150;
const ADVERSARIAL_LENGTH = 50_000;

/** Ways a secret travels: each wraps a whole positive example and must still be found. */
export const EXAMPLE_CONTEXTS: ReadonlyArray<{ readonly name: string; readonly wrap: (text: string) => string }> = [
  { name: 'after other lines (CRLF)', wrap: (text) => `# settings\r\nname = "demo"\r\n${text.replace(/\r?\n/g, '\r\n')}\r\n` },
  { name: 'after a 20 000-character line', wrap: (text) => `${'a=1;'.repeat(5000)}\n${text}` },
  { name: 'JSON string (source map sourcesContent)', wrap: (text) => `{"version":3,"sourcesContent":[${JSON.stringify(`// config\n${text}\n`)}]}` },
  { name: 'base64', wrap: (text) => `payload: ${Buffer.from(text).toString('base64')}` },
];

/** Ways a bare secret is assigned; used for rules that match the secret on its own. */
export const SECRET_CONTEXTS: ReadonlyArray<{ readonly name: string; readonly wrap: (secret: string) => string }> = [
  { name: 'env file', wrap: (secret) => `SERVICE_CREDENTIAL=${secret}\n` },
  { name: 'JSON', wrap: (secret) => `{\n  "credential": "${secret}"\n}\n` },
  { name: 'YAML', wrap: (secret) => `service:\n  credential: '${secret}'\n` },
  { name: 'minified JS object', wrap: (secret) => `a={k:"${secret}"},b=2;` },
  { name: 'line start inside a JSON string', wrap: (secret) => `{"sourcesContent":[${JSON.stringify(`// config\n${secret}\n`)}]}` },
];

/** Multi-line secrets (PEM keys) change form with the line ends and escapes around them; compare without them. */
function sameSecret(a: string, b: string): boolean {
  const normalize = (value: string) => value.replace(/\\[nrt]|\s/g, '');
  return normalize(a) === normalize(b);
}

export interface RuleCheckOptions {
  /** Skip the timing-based ReDoS check (it needs a quiet machine to mean anything). */
  readonly skipRedos?: boolean;
}

/** The rule alone, plus the rules it pairs with so required companions can be found. */
function singleRuleset(spec: RulesetSpec, rule: RuleSpec): Ruleset {
  const companionIds = new Set(rule.companions.map((companion) => companion.id));
  // A companion-only rule (skipReport) is checked as if it reported, or its examples could never be seen.
  const checked = { ...rule, skipReport: false };
  return compileRuleset({ rules: [checked, ...spec.rules.filter((other) => companionIds.has(other.id) && other.id !== rule.id)], global: spec.global });
}

const DEFAULT_EXAMPLE_PATH = 'input.txt';

function secretsFound(ruleset: Ruleset, text: string, path = DEFAULT_EXAMPLE_PATH): string[] {
  const ruleId = ruleset.rules[0]!.spec.id;
  return detect({ text, provenance: { kind: 'file', path } }, ruleset)
    .filter((hit) => hit.ruleId === ruleId)
    .map((hit) => hit.secret);
}

function finds(ruleset: Ruleset, text: string, secret: string, path?: string): boolean {
  return secretsFound(ruleset, text, path).some((found) => sameSecret(found, secret));
}

/** Inputs built from the rule's own keywords and character classes, the shapes that trigger backtracking. */
function adversarialInputs(rule: RuleSpec): string[] {
  const seeds = [...rule.keywords, 'a', 'A1', '0', ' =', '-', '_', 'aA0+/'];
  const inputs = seeds.map((seed) => seed.repeat(Math.ceil(ADVERSARIAL_LENGTH / seed.length)));
  for (const keyword of rule.keywords) inputs.push(`${keyword} = "${'a1'.repeat(ADVERSARIAL_LENGTH / 2)}!`);
  return inputs;
}

function redosMilliseconds(regex: RegExp, inputs: readonly string[]): number {
  const started = performance.now();
  for (const input of inputs) {
    regex.lastIndex = 0;
    let count = 0;
    while (regex.exec(input) && count++ < 10_000) {
      /* walk every match */
    }
  }
  return performance.now() - started;
}

function checkRule(spec: RulesetSpec, rule: RuleSpec, options: RuleCheckOptions): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ file: rule.file, ruleId: rule.id, field, message });
  if (rule.description.trim() === '') problem('description', 'missing: say what was found and what an attacker can do with it');
  if (rule.remediation.trim() === '') problem('remediation', 'missing: say how to rotate or revoke it');
  if (rule.examples.length < MIN_POSITIVE_EXAMPLES) problem('examples', `needs at least ${MIN_POSITIVE_EXAMPLES} positive examples`);
  if (rule.negativeExamples.length < MIN_NEGATIVE_EXAMPLES) problem('negative_examples', `needs at least ${MIN_NEGATIVE_EXAMPLES} negative examples`);
  const shortKeywords = rule.keywords.filter((keyword) => keyword.length < MIN_KEYWORD_LENGTH);
  if (shortKeywords.length > 0) problem('keywords', `${shortKeywords.map((keyword) => `"${keyword}"`).join(', ')} too short: the rule would run on nearly every file`);
  const texts = rule.examples.map((example) => example.text);
  if (new Set(texts).size !== texts.length) problem('examples', 'has duplicates');
  if (new Set(rule.negativeExamples).size !== rule.negativeExamples.length) problem('negative_examples', 'has duplicates');

  const ruleset = singleRuleset(spec, rule);
  rule.examples.forEach((example, index) => {
    const field = `examples[${index}]`;
    const lower = example.text.toLowerCase();
    if (rule.keywords.length > 0 && !rule.keywords.some((keyword) => lower.includes(keyword))) problem(field, 'contains none of the rule keywords');
    const found = secretsFound(ruleset, example.text, example.path);
    if (found.length === 0) {
      problem(field, 'not detected');
      return;
    }
    if (example.secret !== undefined && !found.includes(example.secret)) problem(field, `detected "${found[0]}" instead of the pinned secret`);
    const secret = example.secret ?? found[0]!;
    for (const context of EXAMPLE_CONTEXTS) {
      if (!finds(ruleset, context.wrap(example.text), secret, example.path)) problem(field, `not detected in context: ${context.name}`);
    }
    // A rule limited to one file format (`path`) is tested in that format only.
    if (rule.path === undefined && finds(ruleset, secret, secret, example.path)) {
      for (const context of SECRET_CONTEXTS) {
        if (!finds(ruleset, context.wrap(secret), secret, example.path)) problem(field, `bare secret not detected in context: ${context.name}`);
      }
    }
  });
  const negativePath = rule.examples[0]?.path;
  rule.negativeExamples.forEach((text, index) => {
    const found = secretsFound(ruleset, text, negativePath);
    if (found.length > 0) problem(`negative_examples[${index}]`, `detected "${found[0]}"`);
  });
  const compiled = ruleset.rules[0]!.regex;
  compiled.lastIndex = 0;
  if (compiled.test('')) problem('regex', 'matches the empty string');
  const backtracking = catastrophicBacktracking(rule.regex, rule.flags);
  if (backtracking !== undefined) problem('regex', `can backtrack catastrophically: ${backtracking}`);
  if (!options.skipRedos) {
    const regex = compiled;
    const inputs = adversarialInputs(rule);
    // The fastest of three runs: a busy machine slows single runs, never all three of a linear regex.
    const elapsed = Math.min(...[1, 2, 3].map(() => redosMilliseconds(regex, inputs)));
    if (elapsed > REDOS_BUDGET_MS) problem('regex', `too slow on adversarial input (${Math.round(elapsed)} ms > ${REDOS_BUDGET_MS} ms): bound its quantifiers`);
  }
  return problems;
}

/** Checks `rules` (a subset of `spec.rules`, or all of them) and returns every problem found. */
export function checkRules(spec: RulesetSpec, rules: readonly RuleSpec[] = spec.rules, options: RuleCheckOptions = {}): RuleProblem[] {
  return rules.flatMap((rule) => checkRule(spec, rule, options));
}
