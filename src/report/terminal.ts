/**
 * Text that reaches a terminal. A file name, a commit subject or a rule description can carry
 * escape sequences (clear the screen, set the window title, forge report lines) or bidi overrides
 * that make text read backwards; they are shown as visible escapes instead.
 */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * C0 controls and DEL, C1 controls, bidi embeddings, overrides and isolates, the implicit direction
 * marks, and the Unicode line and paragraph separators (a line break to some terminals).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visibleEscape(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control and direction character written as a visible escape (`\x1b`, `\n`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, visibleEscape);
}

/** Like escapeControls, but keeps line ends: for multi-line messages such as usage errors. */
export function escapeControlsKeepingLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}
