/**
 * The built-in rules as the build parsed them. Reading 150 TOML files and validating 300+ rules
 * (regex checks, ReDoS screening, verification specs) is most of the CPU time of a short run such
 * as `keyleak git --staged`; `npm run build` writes `dist/rules.json` with every built-in file's
 * parsed form under one key, a hash of the rule files and of the code that parses them. A start
 * that computes the same key takes the parsed forms from there; any difference (an edited rule, a
 * rebuilt parser, a missing or damaged file) and the rules are parsed as before.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ParsedRuleFile } from './parse.js';

const FORMAT = 'keyleak-precompiled-rules/1';

/** What a built-in file parses to, its rules' `file` left empty (messages name files relative to the working folder). */
export interface PrecompiledFile {
  readonly name: string;
  readonly parsed: Pick<ParsedRuleFile, 'rules' | 'allowlists' | 'documentedExamples'>;
}

interface PrecompiledRules {
  readonly format: typeof FORMAT;
  readonly key: string;
  readonly files: readonly PrecompiledFile[];
}

/**
 * Modules outside this folder that the parser imports (test/precompiled-rules.test.ts follows the
 * imports to keep this list whole); with every module of this folder they decide what a file parses to.
 */
export const PARSER_MODULES_ELSEWHERE: readonly string[] = ['../detect/filters', '../detect/letter-pairs', '../detect/checksum', '../verify/template'];

function parserSources(): string[] | undefined {
  const extension = path.extname(new URL(import.meta.url).pathname);
  const folder = new URL('.', import.meta.url);
  try {
    const here = readdirSync(folder).filter((name) => name.endsWith(extension)).sort().map((name) => `./${name.slice(0, -extension.length)}`);
    return [...here, ...PARSER_MODULES_ELSEWHERE].map((module) => `${module}\0${readFileSync(new URL(`${module}${extension}`, import.meta.url), 'utf8')}`);
  } catch {
    return undefined;
  }
}

/** The key of these rule files (base names and texts, in load order) as this build's parser reads them. */
export function precompiledKey(names: readonly string[], texts: readonly string[], parser = parserSources()): string | undefined {
  if (parser === undefined) return undefined;
  const hash = createHash('sha256').update(FORMAT);
  names.forEach((name, index) => hash.update(`\0${name}\0${texts[index]!.length}\0`).update(texts[index]!));
  for (const source of parser) hash.update(`\0${source.length}\0`).update(source);
  return hash.digest('hex');
}

/** The parsed files stored under `key` in `file`, or undefined when it holds another key or cannot be read. */
export function readPrecompiled(file: string | URL, key: string): readonly PrecompiledFile[] | undefined {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<PrecompiledRules>;
    return stored.format === FORMAT && stored.key === key && Array.isArray(stored.files) ? stored.files : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the parsed files under `key`; files with problems or warnings are never stored (they must be reported). */
export function precompiledText(key: string, files: readonly { readonly name: string; readonly parsed: ParsedRuleFile }[]): string {
  for (const { name, parsed } of files) {
    if (parsed.problems.length > 0 || parsed.warnings.length > 0) throw new Error(`${name} does not load cleanly; not precompiled`);
  }
  const stored: PrecompiledRules = {
    format: FORMAT,
    key,
    files: files.map(({ name, parsed }) => ({ name, parsed: { rules: parsed.rules.map((rule) => ({ ...rule, file: '' })), allowlists: parsed.allowlists, documentedExamples: parsed.documentedExamples } })),
  };
  return JSON.stringify(stored);
}

/** A stored file's parsed form as `parseRuleText(name, ...)` gives it. */
export function rehydrate(file: PrecompiledFile, name: string): ParsedRuleFile {
  return { rules: file.parsed.rules.map((rule) => ({ ...rule, file: name })), allowlists: file.parsed.allowlists, documentedExamples: file.parsed.documentedExamples, problems: [], warnings: [] };
}
