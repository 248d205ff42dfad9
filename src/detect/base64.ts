/** Finds base64 runs whose decoded form is printable text, so secrets hidden in them are scanned too. */

export interface DecodedSegment {
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
}

/**
 * A whole run of base64 characters: shorter runs cannot hold a secret worth finding, longer ones are
 * data blobs (images, fonts). The lookbehind makes every position inside a run fail at once, so the
 * scan is linear instead of retrying each identifier from each of its characters.
 */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,4096}={0,2}(?![A-Za-z0-9+/_=-])/g;

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
  BASE64_RUN.lastIndex = 0;
  for (let match = BASE64_RUN.exec(text); match; match = BASE64_RUN.exec(text)) {
    const run = match[0];
    if (LETTERS_ONLY.test(run)) continue;
    const decoded = Buffer.from(run, run.includes('-') || run.includes('_') ? 'base64url' : 'base64').toString('latin1');
    if (decoded.length < 14 || !isPrintable(decoded)) continue;
    segments.push({ start: match.index, end: match.index + run.length, decoded });
  }
  return segments;
}
