/**
 * Names written as words: notes, READMEs, tickets and YAML comments name a credential the way people
 * say it (`Datadog API key: …`, `Stripe secret key = …`), where code writes `DATADOG_API_KEY`. Context
 * rules read names joined by `_`, `.` or `-`; rather than teach each rule (and the shared grammar,
 * compiled into every context rule) about spaces, the text the rules see has the spaces inside such
 * a name replaced by `-`. A dash, not `_`: a rule whose name starts at a word boundary (`\baccess`)
 * still finds one after it. Offsets do not move, and secrets are read from the original text.
 *
 * Only names that start at a provider rule's keyword are read, so the cost is a few characters per
 * keyword the prefilter saw, never a pass over the whole text.
 */

/** The last word of a spoken credential name (`key` of `Datadog API key`, `SID` of `Twilio Account SID`). */
const CREDENTIAL_WORD = /^(?:(?:api|access|auth|secret|private|master|admin|service|client|app|account|signing|webhook)?keys?|tokens?|secrets?|password|passwd|passphrase|pwd|pat|sid|id|credentials?)$/i;

/**
 * An assignment after the name: `:` or `=` (not `::`, `==`), a dash between spaces
 * (`Sentry auth token - …`) or the next cell of a Markdown table.
 */
const ASSIGNMENT = /[ \t]{0,3}(?:[:=](?![:=])|[-\u2013\u2014][ \t]|\|)/y;

/** Words after the first: enough for `Azure OpenAI API key`, `AWS Secret Access Key ID`. */
const MAX_WORDS_AFTER = 4;
const MAX_WORD_LENGTH = 30;

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Where the word starting at `at` ends, or -1 when it is longer than a word of a name. */
function wordEnd(text: string, at: number): number {
  let end = at;
  while (end < text.length && isWordChar(text.charCodeAt(end))) {
    end++;
    if (end - at > MAX_WORD_LENGTH) return -1;
  }
  return end;
}

/**
 * The spaces of the spoken name that starts at `start` (or in the middle of whose first word it
 * starts): single spaces between up to five words, the last a credential word, then an assignment.
 * Empty when no such name starts there (prose: `the Datadog API key is stored in Vault`).
 */
function spokenNameSpaces(text: string, start: number): number[] {
  const spaces: number[] = [];
  let end = wordEnd(text, start);
  for (let words = 0; end > start && words < MAX_WORDS_AFTER; words++) {
    if (text.charCodeAt(end) !== 32 || !isLetter(text.charCodeAt(end + 1))) return [];
    const wordStart = end + 1;
    spaces.push(end);
    end = wordEnd(text, wordStart);
    if (end < 0) return [];
    ASSIGNMENT.lastIndex = end;
    if (ASSIGNMENT.test(text)) return CREDENTIAL_WORD.test(text.slice(wordStart, end)) ? spaces : [];
  }
  return [];
}

/**
 * `text` with the spaces of each spoken credential name that starts at one of `starts` replaced by
 * `-` (`Datadog-API-key: …`); `text` itself when there is none.
 */
export function joinSpokenNames(text: string, starts: Iterable<number>): string {
  const spaces = new Set<number>();
  for (const start of starts) for (const space of spokenNameSpaces(text, start)) spaces.add(space);
  if (spaces.size === 0) return text;
  let joined = '';
  let from = 0;
  for (const space of [...spaces].sort((a, b) => a - b)) {
    joined += text.slice(from, space) + '-';
    from = space + 1;
  }
  return joined + text.slice(from);
}
