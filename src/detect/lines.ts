/**
 * Offset → 1-based line and column. Built lazily: most texts produce no hit and never pay for it.
 * CR, LF and CRLF all end a line, as in SARIF; columns count UTF-16 code units.
 */

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface LineLocator {
  position(offset: number): Position;
  /** Start and end (exclusive, before the line terminator) of the line holding `offset`. */
  lineBounds(offset: number): { readonly start: number; readonly end: number };
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) starts.push(i + 1);
    else if (code === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

export function lineLocator(text: string): LineLocator {
  let starts: number[] | undefined;
  const lineIndex = (offset: number): number => {
    starts ??= computeLineStarts(text);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  };
  return {
    position(offset) {
      const index = lineIndex(offset);
      return { line: index + 1, column: offset - starts![index]! + 1 };
    },
    lineBounds(offset) {
      const index = lineIndex(offset);
      const start = starts![index]!;
      let end = index + 1 < starts!.length ? starts![index + 1]! : text.length;
      while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
      return { start, end };
    },
  };
}
