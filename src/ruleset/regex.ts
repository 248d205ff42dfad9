/** Compiling rule regexes with the engine's flags, and reading a compile error as one short reason. */

export const ALLOWED_RULE_FLAGS = 'imsu';

/** `g` to iterate matches, `d` for capture-group offsets. */
export function compileRuleRegex(source: string, flags: string): RegExp {
  return new RegExp(source, `${flags}gd`);
}

/** "Invalid regular expression: /(?i)x/gd: Invalid group" → "Invalid group". */
export function regexErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
}

export function captureGroupCount(regex: RegExp): number {
  return new RegExp(`${regex.source}|`, regex.flags.replace(/[gyd]/g, '')).exec('')!.length - 1;
}
