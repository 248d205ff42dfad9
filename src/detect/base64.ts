/** Finds base64 runs whose decoded form is printable text, so secrets hidden in them are scanned too. */

export interface DecodedSegment {
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
}

/** Runs shorter than this cannot hold a secret worth finding; longer ones are data blobs (images, fonts). */
const MIN_RUN = 20;
const MAX_RUN = 4096;
const EQUALS = 61;

/** The base64 and base64url alphabet, `[A-Za-z0-9+/_-]`, over all UTF-16 code units (no range check in the loop). */
const IN_ALPHABET = new Uint8Array(0x10000);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') IN_ALPHABET[char.charCodeAt(0)] = 1;

/**
 * Whole runs of base64 characters of MIN_RUN to MAX_RUN characters with at most two `=` of padding,
 * as [start, end) offsets in `text`, flat: what
 * `/(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,4096}={0,2}(?![A-Za-z0-9+/_=-])/g` matches. Any MIN_RUN
 * characters in a row hold one position of a grid MIN_RUN apart, so only the grid is read until one
 * of its characters is in the alphabet, and then the run around it: most of a text is never looked at.
 */
export function base64Runs(text: string): number[] {
  const spans: number[] = [];
  const length = text.length;
  let probe = MIN_RUN - 1;
  while (probe < length) {
    if (IN_ALPHABET[text.charCodeAt(probe)] === 0) {
      probe += MIN_RUN;
      continue;
    }
    let start = probe;
    while (start > 0 && IN_ALPHABET[text.charCodeAt(start - 1)] === 1) start--;
    let at = probe + 1;
    while (at < length && IN_ALPHABET[text.charCodeAt(at)] === 1) at++;
    const runLength = at - start;
    let padding = 0;
    while (at + padding < length && text.charCodeAt(at + padding) === EQUALS) padding++;
    // More padding than two, or a run going on after it, is not one base64 run.
    const ends = at + padding === length || IN_ALPHABET[text.charCodeAt(at + padding)] === 0;
    if (runLength >= MIN_RUN && runLength <= MAX_RUN && padding <= 2 && ends) spans.push(start, at + padding);
    probe = at + padding + MIN_RUN - 1;
  }
  return spans;
}

function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code > 126) return false;
  }
  return true;
}

/** A run of letters only is a word or identifier, not base64 (real base64 of text mixes digits or symbols). */
const LETTERS_ONLY = /^[A-Za-z]+$/;

export function base64Segments(text: string): DecodedSegment[] {
  const segments: DecodedSegment[] = [];
  const spans = base64Runs(text);
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i]!;
    const end = spans[i + 1]!;
    const run = text.slice(start, end);
    if (LETTERS_ONLY.test(run)) continue;
    const decoded = Buffer.from(run, run.includes('-') || run.includes('_') ? 'base64url' : 'base64').toString('latin1');
    if (decoded.length < 14 || !isPrintable(decoded)) continue;
    segments.push({ start, end, decoded });
  }
  return segments;
}
