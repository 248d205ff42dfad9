/**
 * A rule file's text to validated specs. Apart from load.ts so that a start which takes the
 * built-in rules already parsed (precompiled.ts) loads neither the TOML reader nor the validator.
 */
import { parse as parseToml } from 'smol-toml';
import { parseRuleFile, type Dialect, type ParsedRuleFile } from './parse.js';

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
