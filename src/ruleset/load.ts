/** Reads rule files (built-in `rules/*.toml` and the user's) into one validated ruleset spec. */
import { readFile, readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { AllowlistSpec, RuleSpec, RulesetSpec } from '../types.js';
import { RuleError, type RuleProblem } from './errors.js';
import { parseRuleFile, type ParsedRuleFile } from './parse.js';

/** The `rules/` folder shipped with the package. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../../rules/', import.meta.url));

export interface LoadOptions {
  /** Include the built-in rules (default true). */
  readonly builtin?: boolean;
  /** Extra rule files or folders of `*.toml` files. */
  readonly paths?: readonly string[];
  /** Rule ids to leave out. */
  readonly disable?: readonly string[];
}

/** Parses one rule file's text; `name` is how messages refer to it. */
export function parseRuleText(name: string, text: string): ParsedRuleFile {
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { rules: [], allowlists: [], documentedExamples: [], problems: [{ file: name, message: `invalid TOML: ${reason}` }] };
  }
  return parseRuleFile(name, document);
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

/** Loads and validates rule files; throws RuleError listing every problem when any file is invalid. */
export async function loadRuleset(options: LoadOptions = {}, cwd = process.cwd()): Promise<RulesetSpec> {
  const targets = [...(options.builtin === false ? [] : [BUILTIN_RULES_DIR]), ...(options.paths ?? [])];
  const problems: RuleProblem[] = [];
  const rules: RuleSpec[] = [];
  const allowlists: AllowlistSpec[] = [];
  const documentedExamples: string[] = [];
  const seen = new Map<string, string>();
  for (const target of targets) {
    let files: string[];
    try {
      files = await ruleFilesIn(target);
    } catch {
      problems.push({ file: target, message: 'cannot be read' });
      continue;
    }
    for (const file of files) {
      const name = displayName(file, cwd);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        problems.push({ file: name, message: 'cannot be read' });
        continue;
      }
      const parsed = parseRuleText(name, text);
      problems.push(...parsed.problems);
      for (const rule of parsed.rules) {
        const earlier = seen.get(rule.id);
        if (earlier !== undefined) problems.push({ file: name, ruleId: rule.id, field: 'id', message: `already defined in ${earlier}` });
        seen.set(rule.id, name);
        rules.push(rule);
      }
      allowlists.push(...parsed.allowlists);
      documentedExamples.push(...parsed.documentedExamples);
    }
  }
  for (const rule of rules) {
    for (const companion of rule.companions) {
      if (!seen.has(companion.id)) problems.push({ file: rule.file, ruleId: rule.id, field: companion.required ? 'required' : 'companions', message: `no rule has id "${companion.id}"` });
    }
  }
  if (problems.length > 0) throw new RuleError(problems);
  const disabled = new Set(options.disable ?? []);
  return {
    rules: rules.filter((rule) => !disabled.has(rule.id)),
    global: { allowlists, documentedExamples },
  };
}
