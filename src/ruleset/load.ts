/**
 * Reads rule files (built-in `rules/*.toml`, the user's keyleak rule files, and gitleaks
 * configurations) into one validated ruleset spec.
 */
import { readdir, stat } from 'node:fs/promises';
import { readRegularText } from '../sources/read.js';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { AllowlistSpec, RuleSpec, RulesetSpec } from '../types.js';
import { RuleError, type RuleProblem } from './errors.js';
import type { Dialect, ParsedRuleFile } from './parse.js';
import type { parseRuleText } from './parse-text.js';
import { precompiledKey, precompiledText, readPrecompiled, rehydrate, type PrecompiledFile } from './precompiled.js';
import { rmSync, writeFileSync } from 'node:fs';

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

type RuleTextParser = typeof parseRuleText;

/** The TOML reader and rule validator, loaded when a rule file is to be parsed (not for precompiled built-in rules). */
async function ruleTextParser(): Promise<RuleTextParser> {
  return (await import('./parse-text.js')).parseRuleText;
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

/** Where `npm run build` stores the built-in rules parsed (see precompiled.ts): `dist/rules.json`. */
const PRECOMPILED_RULES = fileURLToPath(new URL('../rules.json', import.meta.url));

/**
 * Parses the built-in rules (the files in `rulesDir`) and stores them where a start looks for them.
 * Returns that path, or undefined, with no file left there, when a rule file does not load cleanly:
 * a start must then parse the files and report what is wrong.
 */
export async function precompileBuiltinRules(target = PRECOMPILED_RULES, rulesDir = BUILTIN_RULES_DIR): Promise<string | undefined> {
  rmSync(target, { force: true });
  const files = await ruleFilesIn(rulesDir);
  const names = files.map((file) => path.basename(file));
  const texts = await Promise.all(files.map((file) => readRegularText(file)));
  const key = precompiledKey(names, texts);
  const parseRuleText = await ruleTextParser();
  const parsed = names.map((name, index) => ({ name, parsed: parseRuleText(name, texts[index]!, 'keyleak', true) }));
  if (key === undefined || parsed.some((file) => file.parsed.problems.length > 0 || file.parsed.warnings.length > 0)) return undefined;
  writeFileSync(target, precompiledText(key, parsed));
  return target;
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
    const text = await readRegularText(file).catch(() => undefined);
    return this.addText(file, text, dialect, overridden, await ruleTextParser());
  }

  private addText(file: string, text: string | undefined, dialect: Dialect, overridden: boolean, parseRuleText: RuleTextParser): ParsedRuleFile | undefined {
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

  /** The built-in files' parsed forms as the build stored them, when they are these very files. */
  private precompiled(files: readonly string[], texts: readonly (string | undefined)[]): readonly PrecompiledFile[] | undefined {
    if (texts.some((text) => text === undefined)) return undefined;
    const names = files.map((file) => path.basename(file));
    const key = precompiledKey(names, texts as string[]);
    const stored = key === undefined ? undefined : readPrecompiled(PRECOMPILED_RULES, key);
    return stored !== undefined && stored.length === names.length && stored.every((file, index) => file.name === names[index]) ? stored : undefined;
  }

  private addParsed(file: string, precompiled: PrecompiledFile, overridden: boolean): void {
    const parsed = rehydrate(precompiled, displayName(file, this.cwd));
    parsed.rules.forEach((rule) => builtinRules.add(rule));
    this.add(parsed, overridden);
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
      const precompiled = path.resolve(target) === path.resolve(BUILTIN_RULES_DIR) ? this.precompiled(files, texts) : undefined;
      if (precompiled !== undefined) {
        files.forEach((file, index) => this.addParsed(file, precompiled[index]!, overridden));
        continue;
      }
      const parseRuleText = await ruleTextParser();
      files.forEach((file, index) => this.addText(file, texts[index], 'keyleak', overridden, parseRuleText));
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
