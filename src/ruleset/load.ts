/**
 * Reads rule files (built-in `rules/*.toml`, the user's keyleak rule files, and gitleaks
 * configurations) into one validated ruleset spec.
 */
import { readdir, stat } from 'node:fs/promises';
import { readRegularText } from '../sources/read.js';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { AllowlistSpec, RuleSpec, RulesetSpec } from '../types.js';
import { RuleError, type RuleProblem } from './errors.js';
import { parseRuleFile, type Dialect, type ParsedRuleFile } from './parse.js';

/** The `rules/` folder shipped with the package. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export interface LoadOptions {
  /** Include the built-in rules (default true). */
  readonly builtin?: boolean;
  /** Extra keyleak rule files or folders of `*.toml` files. */
  readonly paths?: readonly string[];
  /** Rule ids to leave out. */
  readonly disable?: readonly string[];
}

/** Rules read from keyleak's own `rules/` folder: vetted by the rule harness, safe to run unguarded. */
const builtinRules = new WeakSet<RuleSpec>();

/** Whether every rule is one of keyleak's own; any other rule (a user's, a copy) is scanned under the time guard. */
export function onlyBuiltinRules(ruleset: RulesetSpec): boolean {
  return ruleset.rules.every((rule) => builtinRules.has(rule));
}

/** Whether a rule was read from keyleak's own `rules/` folder (its verifier's host is keyleak's word, not a user's). */
export function isBuiltinRule(rule: RuleSpec): boolean {
  return builtinRules.has(rule);
}

/** A ruleset and what was skipped on the way (untranslatable gitleaks rules). */
export interface LoadedConfiguration {
  readonly ruleset: RulesetSpec;
  readonly warnings: readonly RuleProblem[];
}

/** Parses one rule file's text; `name` is how messages refer to it. */
export function parseRuleText(name: string, text: string, dialect: Dialect = 'keyleak', trusted = false): ParsedRuleFile {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { rules: [], allowlists: [], documentedExamples: [], problems: [{ file: name, message: `invalid TOML: ${reason}` }], warnings: [] };
  }
  return parseRuleFile(name, document, dialect, trusted);
}

async function ruleFilesIn(target: string): Promise<string[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [target];
  const names = (await readdir(target)).filter((name) => name.endsWith('.toml')).sort();
  return names.map((name) => path.join(target, name));
}

/** How a rule file is named in messages: relative to the working directory when inside it. */
function displayName(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

/** Rule files merged in order; collects problems instead of stopping at the first. */
class RulesetBuilder {
  readonly problems: RuleProblem[] = [];
  readonly warnings: RuleProblem[] = [];
  private readonly rules: RuleSpec[] = [];
  private readonly allowlists: AllowlistSpec[] = [];
  private readonly documentedExamples: string[] = [];
  private readonly definedIn = new Map<string, string>();

  constructor(private readonly cwd: string) {}

  /** `overridden`: a rule whose id is already defined is dropped instead of reported (gitleaks extends). */
  async readFile(file: string, dialect: Dialect, overridden = false): Promise<ParsedRuleFile | undefined> {
    return this.addText(file, await readRegularText(file).catch(() => undefined), dialect, overridden);
  }

  private addText(file: string, text: string | undefined, dialect: Dialect, overridden: boolean): ParsedRuleFile | undefined {
    const name = displayName(file, this.cwd);
    if (text === undefined) {
      this.problems.push({ file: name, message: 'cannot be read' });
      return undefined;
    }
    const builtin = path.dirname(file) === path.resolve(BUILTIN_RULES_DIR);
    const parsed = parseRuleText(name, text, dialect, builtin);
    if (builtin) parsed.rules.forEach((rule) => builtinRules.add(rule));
    this.add(parsed, overridden);
    return parsed;
  }

  async readTargets(targets: readonly string[], overridden = false): Promise<void> {
    for (const target of targets) {
      let files: string[];
      try {
        files = await ruleFilesIn(target);
      } catch {
        this.problems.push({ file: displayName(target, this.cwd), message: 'cannot be read' });
        continue;
      }
      // Read together, added in order: the order decides which rule wins on overlapping text.
      const texts = await Promise.all(files.map((file) => readRegularText(file).catch(() => undefined)));
      files.forEach((file, index) => this.addText(file, texts[index], 'keyleak', overridden));
    }
  }

  private add(parsed: ParsedRuleFile, overridden: boolean): void {
    this.problems.push(...parsed.problems);
    this.warnings.push(...parsed.warnings);
    for (const rule of parsed.rules) {
      const earlier = this.definedIn.get(rule.id);
      if (earlier !== undefined && overridden) continue;
      if (earlier !== undefined) this.problems.push({ file: rule.file, ruleId: rule.id, field: 'id', message: `already defined in ${earlier}` });
      this.definedIn.set(rule.id, rule.file);
      this.rules.push(rule);
    }
    this.allowlists.push(...parsed.allowlists);
    this.documentedExamples.push(...parsed.documentedExamples);
  }

  build(disable: readonly string[]): RulesetSpec {
    for (const rule of this.rules) {
      for (const companion of rule.companions) {
        if (!this.definedIn.has(companion.id)) {
          this.problems.push({ file: rule.file, ruleId: rule.id, field: companion.required ? 'required' : 'companions', message: `no rule has id "${companion.id}"` });
        }
      }
    }
    if (this.problems.length > 0) throw new RuleError(this.problems);
    const disabled = new Set(disable);
    return {
      rules: this.rules.filter((rule) => !disabled.has(rule.id)),
      global: { allowlists: this.allowlists, documentedExamples: this.documentedExamples },
    };
  }
}

/** Loads and validates keyleak rule files; throws RuleError listing every problem when any file is invalid. */
export async function loadRuleset(options: LoadOptions = {}, cwd = process.cwd()): Promise<RulesetSpec> {
  const builder = new RulesetBuilder(cwd);
  await builder.readTargets([...(options.builtin === false ? [] : [BUILTIN_RULES_DIR]), ...(options.paths ?? [])]);
  return builder.build(options.disable ?? []);
}

/** Configurations `[extend] path` may chain through before keyleak calls it a loop. */
const MAX_EXTEND_DEPTH = 8;

/**
 * Loads a gitleaks configuration as gitleaks does: its own rules and allowlists, plus the built-in
 * rules only when `[extend] useDefault = true`, plus any `[extend] path` configuration, minus
 * `[extend] disabledRules`. `options.paths` (keyleak rule files) are added on top.
 */
export async function loadConfiguration(configFile: string, options: LoadOptions = {}, cwd = process.cwd()): Promise<LoadedConfiguration> {
  const builder = new RulesetBuilder(cwd);
  const disabled = [...(options.disable ?? [])];
  let useDefault = false;
  let next: string | undefined = configFile;
  for (let depth = 0; next !== undefined; depth++) {
    if (depth === MAX_EXTEND_DEPTH) throw new RuleError([{ file: displayName(next, cwd), message: `[extend] path chains more than ${MAX_EXTEND_DEPTH} configurations` }]);
    const parsed: ParsedRuleFile | undefined = await builder.readFile(next, 'gitleaks');
    const extend = parsed?.extend;
    useDefault ||= extend?.useDefault ?? false;
    disabled.push(...(extend?.disabledRules ?? []));
    next = extend?.path === undefined ? undefined : path.resolve(path.dirname(next), extend.path);
  }
  // A configuration's rule replaces the built-in rule of the same id, as in gitleaks.
  if (useDefault && options.builtin !== false) await builder.readTargets([BUILTIN_RULES_DIR], true);
  await builder.readTargets(options.paths ?? []);
  const ruleset = builder.build(disabled);
  const warnings = [...builder.warnings];
  if (ruleset.rules.length === 0) {
    warnings.push({ file: displayName(configFile, cwd), level: 'warning', code: 'no-rules', message: 'no usable rule: every rule was skipped or disabled and [extend] useDefault is not set, so nothing would be detected' });
  }
  return { ruleset, warnings };
}
