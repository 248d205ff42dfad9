/**
 * One-pass keyword prefilter: an Aho-Corasick automaton, built once per ruleset, reads a text one
 * character at a time and tells which rules' keywords occur in it, so only those rules' regexes run.
 * It replaced one case-insensitive alternation of all keywords, which V8 runs by trying the
 * alternation at every position.
 *
 * Keywords match case-insensitively as a regex's `i` flag does without `u`: an ASCII letter matches
 * either case, and no other character matches an ASCII one (the spec keeps a non-ASCII character
 * whose upper case is ASCII, like `ſ` or `ı`, distinct). Keywords holding a non-ASCII character
 * (possible in a user's rules, never in keyleak's), and keyword lists too large for the automaton's
 * table, are left to a regex with that same flag.
 */

export interface KeywordScan {
  /** Indices of the rules worth running on the text, ascending. */
  readonly rules: readonly number[];
  /**
   * Where the keywords of rule `rule` start in the text, ascending and distinct, for the rules the
   * index was built to locate; undefined for the others.
   */
  starts(rule: number): readonly number[] | undefined;
  /**
   * Where the keywords of the located rules among `rules` start, each keyword's starts once however
   * many rules share it, in no particular order.
   */
  startsOfAny(rules: Iterable<number>): number[];
}

export interface KeywordIndex {
  /** Indices of the rules worth running on `text`, ascending. */
  candidates(text: string): number[];
  scan(text: string): KeywordScan;
}

function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** UTF-16 code units: the column table covers them all, so the scan loop needs no range check. */
const CODE_UNITS = 0x10000;
const ASCII = 128;
/** 64 MiB of transitions; keyleak's own rules need under 1 MiB. */
const MAX_TABLE_ENTRIES = 16 * 1024 * 1024;

interface Automaton {
  /** UTF-16 code unit → column of `next`; 0 for characters no keyword holds, which lead back to the start. */
  readonly columnOf: Uint8Array;
  readonly columns: number;
  /**
   * The complete transition function (failure links folded in), from a state's row (its number
   * times `columns`) and a column to the next state's row, bitwise negated when keywords end there:
   * one load and one sign test per character.
   */
  readonly next: Int32Array;
  /** Keywords (by index) ending in a state, suffixes included: `found[foundStart[s]..foundStart[s + 1]]`. */
  readonly foundStart: Uint32Array;
  readonly found: Uint32Array;
}

/** The automaton of `keywords` (lowercase ASCII). */
function buildAutomaton(keywords: readonly string[]): Automaton {
  const columnOf = new Uint8Array(CODE_UNITS);
  let columns = 1;
  for (const keyword of keywords) {
    for (let i = 0; i < keyword.length; i++) {
      const code = keyword.charCodeAt(i);
      if (columnOf[code] === 0) columnOf[code] = columns++;
    }
  }
  for (let code = 65; code <= 90; code++) columnOf[code] = columnOf[code + 32]!;

  // The trie, as growing arrays: goto[state][column] (-1: none), and each state's own keywords.
  const trie: Int32Array[] = [new Int32Array(columns).fill(-1)];
  const ownKeywords: number[][] = [[]];
  keywords.forEach((keyword, index) => {
    let state = 0;
    for (let i = 0; i < keyword.length; i++) {
      const column = columnOf[keyword.charCodeAt(i)]!;
      if (trie[state]![column] === -1) {
        trie[state]![column] = trie.length;
        trie.push(new Int32Array(columns).fill(-1));
        ownKeywords.push([]);
      }
      state = trie[state]![column]!;
    }
    ownKeywords[state]!.push(index);
  });

  // Breadth-first: each state's failure link and complete transitions come from shallower states.
  const states = trie.length;
  const next = new Uint32Array(states * columns);
  const failure = new Int32Array(states);
  const keywordsAt: number[][] = ownKeywords.map((own) => [...own]);
  const queue: number[] = [];
  for (let column = 0; column < columns; column++) {
    const child = trie[0]![column]!;
    next[column] = child === -1 ? 0 : child;
    if (child !== -1) queue.push(child);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const fallback = failure[state]!;
    for (const keyword of keywordsAt[fallback]!) keywordsAt[state]!.push(keyword);
    for (let column = 0; column < columns; column++) {
      const child = trie[state]![column]!;
      if (child === -1) {
        next[state * columns + column] = next[fallback * columns + column]!;
      } else {
        next[state * columns + column] = child;
        failure[child] = next[fallback * columns + column]!;
        queue.push(child);
      }
    }
  }

  const foundStart = new Uint32Array(states + 1);
  for (let state = 0; state < states; state++) foundStart[state + 1] = foundStart[state]! + keywordsAt[state]!.length;
  const found = new Uint32Array(foundStart[states]!);
  keywordsAt.forEach((list, state) => found.set(list, foundStart[state]!));
  const rows = new Int32Array(next.length);
  next.forEach((target, at) => {
    rows[at] = keywordsAt[target]!.length > 0 ? ~(target * columns) : target * columns;
  });
  return { columnOf, columns, next: rows, foundStart, found };
}

/**
 * Texts are searched one keyword at a time until this many characters have been, and with the
 * automaton from then on: a pre-commit run (a few short changes) never builds it, which was 15-25 ms
 * of such a run, and a scan builds it within its first files.
 */
const SEARCH_WITHOUT_AUTOMATON = 64 * 1024;

/** Only ASCII letters lowered: what the `i` flag (without `u`) makes equal to an ASCII keyword. */
function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Every start of `keyword` in `folded` (overlapping ones too), ascending. */
function startsOf(folded: string, keyword: string): number[] {
  const starts: number[] = [];
  for (let at = folded.indexOf(keyword); at !== -1; at = folded.indexOf(keyword, at + 1)) starts.push(at);
  return starts;
}

/**
 * `rulesKeywords[i]` are rule i's lowercased keywords; a rule without keywords always runs.
 * `located[i]`: a scan tells where rule i's keywords start (an anchored rule's matches start there;
 * a provider rule's spoken names, `Datadog API key: …`, are read from there).
 * `searchWithoutAutomaton`: characters searched keyword by keyword before the automaton is built.
 */
export function keywordIndex(
  rulesKeywords: readonly (readonly string[])[],
  located: readonly boolean[] = [],
  searchWithoutAutomaton = SEARCH_WITHOUT_AUTOMATON,
): KeywordIndex {
  const rulesByKeyword = new Map<string, number[]>();
  const alwaysRun: number[] = [];
  rulesKeywords.forEach((keywords, ruleIndex) => {
    if (keywords.length === 0) alwaysRun.push(ruleIndex);
    for (const keyword of keywords) {
      const rules = rulesByKeyword.get(keyword) ?? [];
      rules.push(ruleIndex);
      rulesByKeyword.set(keyword, rules);
    }
  });
  const keywords = [...rulesByKeyword.keys()];
  // An empty keyword occurs in every text, as an empty alternative of a regex matches anywhere.
  const baseline = [...new Set([...alwaysRun, ...(rulesByKeyword.get('') ?? [])])];
  const isAscii = (keyword: string) => /^[\x00-\x7f]+$/.test(keyword);
  // The table grows with keyword characters times distinct characters: a huge keyword list goes to the regex.
  const fits = keywords.reduce((total, keyword) => total + keyword.length, 1) * ASCII <= MAX_TABLE_ENTRIES;
  const ascii = fits ? keywords.filter(isAscii) : [];
  const asciiRules = ascii.map((keyword) => rulesByKeyword.get(keyword)!);
  const asciiLower = ascii.map(asciiLowerCase);
  const asciiIndex = new Map(ascii.map((keyword, index) => [keyword, index]));
  // Located rules' keywords by their index in `ascii`; an anchored rule with a keyword outside it is searched whole.
  const locatedKeywords = new Map<number, readonly number[]>();
  rulesKeywords.forEach((keywords, rule) => {
    const indices = keywords.map((keyword) => asciiIndex.get(keyword));
    if (located[rule] === true && keywords.length > 0 && indices.every((index) => index !== undefined)) locatedKeywords.set(rule, indices);
  });
  const isLocated = new Uint8Array(ascii.length);
  for (const indices of locatedKeywords.values()) for (const index of indices) isLocated[index] = 1;
  const locatedCount = isLocated.reduce((count, flag) => count + flag, 0);
  // Built on first need: a pre-commit run scanning a few short lines never pays for it.
  let automaton: Automaton | undefined;
  let searchedWithout = 0;
  const unicode = keywords.filter((keyword) => keyword.length > 0 && !(fits && isAscii(keyword)));
  const unicodeAnywhere = unicode.length === 0 ? undefined : new RegExp(unicode.map(escapeRegex).join('|'), 'gi');
  const unicodeHere = unicode.map((keyword) => new RegExp(escapeRegex(keyword), 'iy'));

  /** Marks the rules whose keywords occur in `text`, and fills `starts[k]` for each located keyword k found. */
  const asciiFound = (text: string, selected: Set<number>, starts: number[][]): void => {
    if (ascii.length === 0) return;
    if (automaton === undefined && searchedWithout + text.length <= searchWithoutAutomaton) {
      searchedWithout += text.length;
      const folded = asciiLowerCase(text);
      asciiLower.forEach((keyword, index) => {
        if (!folded.includes(keyword)) return;
        for (const rule of asciiRules[index]!) selected.add(rule);
        if (isLocated[index] === 1) starts[index] = startsOf(folded, keyword);
      });
      return;
    }
    automaton ??= buildAutomaton(asciiLower);
    const { columnOf, columns, next, foundStart, found } = automaton;
    const seen = new Uint8Array(ascii.length);
    let unseen = ascii.length;
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      row = next[row + columnOf[text.charCodeAt(i)]!]!;
      if (row >= 0) continue;
      row = ~row;
      const state = row / columns;
      const end = foundStart[state + 1]!;
      for (let at = foundStart[state]!; at < end; at++) {
        const keyword = found[at]!;
        if (isLocated[keyword] === 1) (starts[keyword] ??= []).push(i + 1 - asciiLower[keyword]!.length);
        if (seen[keyword] === 1) continue;
        seen[keyword] = 1;
        for (const rule of asciiRules[keyword]!) selected.add(rule);
        // Every keyword seen: nothing more to learn, unless the scan must tell where keywords start.
        if (--unseen === 0 && locatedCount === 0) return;
      }
    }
  };

  const unicodeFound = (text: string, selected: Set<number>): void => {
    if (unicodeAnywhere === undefined) return;
    const seen = new Set<number>();
    unicodeAnywhere.lastIndex = 0;
    for (let match = unicodeAnywhere.exec(text); match; match = unicodeAnywhere.exec(text)) {
      // Every keyword starting here, not only the alternative that matched.
      unicodeHere.forEach((here, keyword) => {
        here.lastIndex = match!.index;
        if (seen.has(keyword) || !here.test(text)) return;
        seen.add(keyword);
        for (const rule of rulesByKeyword.get(unicode[keyword]!)!) selected.add(rule);
      });
      if (seen.size === unicode.length) return;
      unicodeAnywhere.lastIndex = match.index + 1;
    }
  };

  const scan = (text: string): KeywordScan => {
    const selected = new Set<number>(baseline);
    const starts: number[][] = [];
    asciiFound(text, selected, starts);
    unicodeFound(text, selected);
    // A rule's keywords' starts merged once per text: the detector asks for them more than once.
    const merged = new Map<number, readonly number[]>();
    return {
      rules: [...selected].sort((a, b) => a - b),
      starts(rule) {
        const keywords = locatedKeywords.get(rule);
        if (keywords === undefined) return undefined;
        if (keywords.length === 1) return starts[keywords[0]!] ?? [];
        let ruleStarts = merged.get(rule);
        if (ruleStarts === undefined) {
          const all = keywords.flatMap((keyword) => starts[keyword] ?? []).sort((a, b) => a - b);
          ruleStarts = all.filter((at, index) => index === 0 || at !== all[index - 1]);
          merged.set(rule, ruleStarts);
        }
        return ruleStarts;
      },
      startsOfAny(rules) {
        const keywords = new Set<number>();
        for (const rule of rules) for (const keyword of locatedKeywords.get(rule) ?? []) keywords.add(keyword);
        const all: number[] = [];
        for (const keyword of keywords) for (const at of starts[keyword] ?? []) all.push(at);
        return all;
      },
    };
  };
  return { candidates: (text) => [...scan(text).rules], scan };
}
