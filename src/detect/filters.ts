/**
 * Named false-positive filters. Each answers one question about a candidate secret and is tested
 * on its own; rules name the filters they need in their `filters` field, on top of the defaults.
 */
import type { FilterName } from '../types.js';
import { LETTER_PAIRS } from './letter-pairs.js';

export interface FilterInput {
  readonly secret: string;
  /** Whole regex match the secret was captured from. */
  readonly match: string;
  /** Documented example values from the global configuration, in a Set for O(1) lookup. */
  readonly documentedExamples: ReadonlySet<string>;
  /** The text scanned, and where the secret stands in it: for filters that read around the secret. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** The scan's date, in milliseconds since the epoch. */
  readonly now: number;
}

/** Filters every rule gets; the others are opted into per rule. */
export const DEFAULT_FILTERS: readonly FilterName[] = ['placeholder', 'template', 'reference', 'documented-example'];

/**
 * Marks long or odd enough that a random key holds one by chance less than once in millions:
 * they count anywhere in the value (`sk_live_EXAMPLEKEY1234`, AWS's `wEXAMPLEtc…`).
 */
const PLACEHOLDER_MARKS =
  /example|placeholder|changeme|change_me|your[_-]?(?:api|secret|token|key|password|client|access|app)|redacted|insert[_-]|replace[_-]?me|<[a-z_ -]+>|x{5,}|X{5,}|\*{4,}|\.{4,}|0{8,}|(?:1234|abcd){3}/i;
/**
 * Short words a random key spells now and then (`todo` in one of ~50 000 random lower-case keys):
 * they mark a placeholder only where they stand as a word: `TODO`, `dummy-token`, `myDummyKey`, `fixme_1`.
 */
const PLACEHOLDER_WORDS = /todo|fixme|dummy/gi;

/** Whether `word`, at `start` in `value`, is a word of its own: one case throughout, and a letter of another word or none on each side. */
function standsAsWord(value: string, start: number, word: string): boolean {
  const lower = word === word.toLowerCase();
  const upper = word === word.toUpperCase();
  const capitalised = !upper && word.slice(1) === word.slice(1).toLowerCase();
  if (!lower && !upper && !capitalised) return false;
  const before = value[start - 1] ?? '';
  const after = value[start + word.length] ?? '';
  const isLetter = (char: string) => /[A-Za-z]/.test(char);
  const isUpper = (char: string) => /[A-Z]/.test(char);
  // `myDummy`: a capital after a lower-case letter starts a word; `DummyKey`, `todoList`: a capital ends one.
  const startsWord = !isLetter(before) || (!upper && isUpper(word[0]!) && !isUpper(before));
  const endsWord = !isLetter(after) || (!upper && isUpper(after));
  return startsWord && endsWord;
}

/** Digits then letters in counting order: neighbours here are what a hand typing a fake key writes in a row. */
const COUNTING_ORDER = '0123456789abcdefghijklmnopqrstuvwxyz';
/** Shorter values are passwords as often as keys, and `abc12345` is a real (weak) one. */
const MIN_SEQUENCE_LENGTH = 16;
/** Longer values are judged on their first characters. */
const MAX_SEQUENCE_LENGTH = 256;
/** A value is typed, not drawn, when a random key of its alphabet has fewer neighbours in order than it has with this chance. */
const SEQUENCE_CHANCE = 1e-6;

/** Whether a and b follow each other in counting order (either way, `9` and `0` too) or repeat. */
function inSequence(a: string, b: string): boolean {
  const step = Math.abs(COUNTING_ORDER.indexOf(a) - COUNTING_ORDER.indexOf(b));
  return step <= 1 || (step === 9 && /[09]/.test(a) && /[09]/.test(b));
}

/** The chance of at least `hits` successes in `trials` draws that each succeed with chance `p` (binomial tail). */
function chanceOfAtLeast(hits: number, trials: number, p: number): number {
  let term = (1 - p) ** trials;
  let tail = 0;
  for (let k = 0; k <= trials; k++) {
    if (k >= hits) tail += term;
    term *= ((trials - k) / (k + 1)) * (p / (1 - p));
  }
  return tail;
}

/** The share of a value's characters an alphabet must hold to be the value's: a prefix (`st.`, `slk_`) does not change it. */
const ALPHABET_SHARE = 0.9;

/**
 * The alphabet a value is drawn from (10 digits, 16 hex, 26 letters or 36): the smallest that holds
 * nearly all its characters, so that a random hex body after a prefix of other letters is judged
 * with the chance hex digits follow each other, not with the smaller chance of 36 characters.
 */
function alphabetSize(value: string): number {
  const share = (pattern: RegExp) => (value.match(pattern)?.length ?? 0) / value.length;
  if (share(/[0-9]/g) >= ALPHABET_SHARE) return 10;
  if (share(/[0-9a-f]/g) >= ALPHABET_SHARE) return 16;
  if (share(/[a-z]/g) >= ALPHABET_SHARE) return 26;
  return 36;
}

/** The longest unit a repeated fake repeats: `RlJGUkZS` (base64 of a repeated word) is 8. */
const MAX_REPEAT_PERIOD = 16;

/**
 * A hand-typed fake: `1234567890abcdef1234567890abcdef`, `abcdefghijklmnopqrstuvwx`,
 * `aaaabbbbccccdddd…`, `A1B2C3D4E5F6G7H8I9J0` (every other character counts), `abc123def456ghi789`:
 * more neighbours in counting order (or repeated) than one random key of its alphabet in a million
 * has, where a neighbour is in order by chance 3 times in the alphabet's size (10 digits, 16 hex, 26 letters, 36);
 * or a short unit repeated (`Uj5HRlJGUkZSRlJGUkZSRlJG…`): more characters equal to the one a period
 * before than a random key has with that chance, where two are equal by the chance that two characters
 * drawn from the value's own letter counts are (so a value of few letters is not a repeat for that alone).
 */
export function isObviousSequence(secret: string): boolean {
  const value = secret.toLowerCase().replace(/[^0-9a-z]/g, '').slice(0, MAX_SEQUENCE_LENGTH);
  if (value.length < MIN_SEQUENCE_LENGTH) return false;
  const chance = 3 / alphabetSize(value);
  for (const stride of [1, 2]) {
    let inOrder = 0;
    for (let i = stride; i < value.length; i++) if (inSequence(value[i - stride]!, value[i]!)) inOrder++;
    if (chanceOfAtLeast(inOrder, value.length - stride, chance) < SEQUENCE_CHANCE) return true;
  }
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  const equalByChance = [...counts.values()].reduce((sum, count) => sum + (count / value.length) ** 2, 0);
  for (let period = 3; period <= MAX_REPEAT_PERIOD && period * 2 <= value.length; period++) {
    let repeated = 0;
    for (let i = period; i < value.length; i++) if (value[i] === value[i - period]) repeated++;
    if (chanceOfAtLeast(repeated, value.length - period, equalByChance) < SEQUENCE_CHANCE) return true;
  }
  return false;
}

/** Values written to be replaced: `<your-key>`, `xxxxxxxx`, `changeme`, `YOUR_API_KEY`, `TODO`. */
export function isPlaceholder(secret: string): boolean {
  if (PLACEHOLDER_MARKS.test(secret)) return true;
  let covered = 0;
  for (const found of secret.matchAll(PLACEHOLDER_WORDS)) {
    if (standsAsWord(secret, found.index, found[0])) return true;
    covered += found[0].length;
  }
  // `dummydummydummy`, `todo123`: the words are most of the value.
  return covered * 2 > secret.length;
}

const TEMPLATE = /\$\{[^}]*\}|\{\{[^}]*\}\}|<%=?[^%]*%>|#\{[^}]*\}|%\([a-z_]+\)s|^\$[A-Za-z_][A-Za-z0-9_]*$|^\$[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+[/:]|^%[A-Za-z_]+%$|^\{[A-Za-z_][A-Za-z0-9_.]*\}$|^__[A-Z0-9_]+__$/;

/**
 * Template or shell substitutions: `${API_KEY}`, `{{ .Values.token }}`, `<%= secret %>`, `$TOKEN`, and a
 * URL or path built on a variable (`$APP_BASE_URL/reset-password`), as dotenv-expand reads it.
 */
export function isTemplate(secret: string): boolean {
  return TEMPLATE.test(secret);
}

const REFERENCE =
  /^(?:var|local|module|data|each)\.[A-Za-z_]|(?:^|[^A-Za-z0-9])(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv|System\.getenv|ENV\[|Environment\.GetEnvironmentVariable|env\(|secrets\.|vault:|ssm:|config\.get|settings\.|arn:aws:)/;

/** The value reads a secret from elsewhere instead of holding one: `process.env.X`, `os.environ[...]`, Terraform's `var.db_password`. */
export function isReference(secret: string): boolean {
  return REFERENCE.test(secret);
}

export function isDocumentedExample(secret: string, documented: ReadonlySet<string>): boolean {
  return documented.has(secret);
}

const HASH_SHAPE =
  /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128}|[0-9A-F]{32}|[0-9A-F]{40}|[0-9A-F]{64})$|^(?:sha1|sha256|sha384|sha512|md5)[-:]/;

/** Digest shapes: git SHAs, hex hashes, SRI/lockfile `integrity` values. */
export function isHash(secret: string): boolean {
  return HASH_SHAPE.test(secret);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(secret: string): boolean {
  return UUID.test(secret);
}

/** Camel-case pieces of one separator-free segment: `HTTPServer2` → HTTP, Server, 2. */
const CAMEL_PIECE = /[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[A-Z]|[0-9]+/g;
/** Words shorter than this on average are what random strings split into (`Kz`, `Fw`, `a`). */
const MIN_AVERAGE_WORD_LENGTH = 3;

const BOUNDARY = 26;
/** Natural log of the chance that letter b follows letter a in a word, from LETTER_PAIRS (add-one smoothed). */
const PAIR_LOG_CHANCE: readonly Float64Array[] = LETTER_PAIRS.map((row) => {
  const total = row.reduce((sum, count) => sum + count, 0) + row.length;
  return Float64Array.from(row, (count) => Math.log((count + 1) / total));
});
/**
 * Pieces shorter than this are not scored: acronyms (`API`, `KRB`) and syllables carry no sign
 * either way, and the average word length already weighs them.
 */
const MIN_SCORED_PIECE = 3;
/**
 * The least average log chance per letter step of a value's words. Identifiers from real code
 * score above −3.2 (`signUpPassword` −3.1); random strings of 16 to 40 characters score below it
 * in all but about 1 in 10 000 cases once they also pass the shape tests (test/unit/filters.test.ts).
 */
const MIN_WORD_LIKENESS = -3.3;

/** Average log chance per letter step (word start and end included) of the pieces worth scoring, or undefined when none is. */
function wordLikeness(pieces: readonly string[]): number | undefined {
  let sum = 0;
  let steps = 0;
  for (const piece of pieces) {
    if (piece.length < MIN_SCORED_PIECE || !/^[A-Za-z]+$/.test(piece)) continue;
    let previous = BOUNDARY;
    for (const letter of piece.toLowerCase()) {
      const index = letter.charCodeAt(0) - 97;
      sum += PAIR_LOG_CHANCE[previous]![index]!;
      previous = index;
    }
    sum += PAIR_LOG_CHANCE[previous]![BOUNDARY]!;
    steps += piece.length + 1;
  }
  return steps === 0 ? undefined : sum / steps;
}

/** `log4j`, `slf4j`, `i18n`, `k8s`: a short lower-case name with a digit inside, read as one word (`org.slf4j.simpleLogger.levelInBrackets`). */
const NUMBERED_NAME = /^(?=.{3,8}$)[a-z]{1,5}[0-9]{1,2}[a-z]{1,5}$/;

const QNAME_PREFIX = /^[a-z][a-z0-9]{0,15}:(?=[A-Za-z_])/;

/** `MY_SECRET_NAME`, `KAFKA_SASL_GSSAPI_KRB5_CONF`: upper-case words joined by `_`, which no key alphabet writes. */
const CONSTANT_CASE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
/**
 * `self._lib.NID_aes_256_cbc`, `ssl.tls_v1_2`: three or more pieces joined by `.`, `_` or `-`, each
 * of one case with digits only at its end. Abbreviations (`nid`, `cbc`) do not read like words,
 * but random keys almost never split this way: their pieces mix case and digits.
 */
const SEGMENTED_WORDS = /^(?:[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+)(?:[._-]{1,2}(?:[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+)){2,}$/;

/**
 * Identifiers, messages and words rather than random strings: `getAccessToken`, `MY_SECRET_NAME`,
 * `auth/invalid-api-key`, `__PRIVATE_tokenListener`, `HTTPServer2`. The value splits into
 * letter words (camel case or separators) averaging three or more letters, long words have a
 * vowel, short digit runs end a word rather than sit inside one, and the words read like words:
 * their letter pairs are those of real identifiers (`tokenListener`), not a chance run of letters
 * (`vfz9Lnbhujxmzjg0GYFyP305XKKWU54Y`, `ggdafwbvchwjwgxvryxurbcz`).
 */
export function isIdentifier(secret: string): boolean {
  // An XML qualified name's prefix (`clm79750:AgencyIdentificationCodeContentType`, `xs:string`) names a namespace.
  const core = secret.replace(/^[_#$@!.]+|[_!?.=]+$/g, '').replace(QNAME_PREFIX, '');
  if (core.length === 0) return false;
  let letters = 0;
  let words = 0;
  const allPieces: string[] = [];
  for (const segment of core.split(/[-_./:@#$]+/)) {
    if (NUMBERED_NAME.test(segment)) {
      letters += segment.length;
      words++;
      continue;
    }
    const pieces = segment.match(CAMEL_PIECE) ?? [];
    if (pieces.join('') !== segment) return false;
    for (const [index, piece] of pieces.entries()) {
      if (/^[0-9]/.test(piece)) {
        // `base64Encode`, `HTTP2Server`, `sha256`, `Ed25519PrivateKey`: digits end a word; `x2k6y` and `T5HPWH` are random.
        const next = pieces[index + 1] ?? '';
        const maxDigits = /^[A-Z][a-z]/.test(next) ? 5 : 4;
        if (piece.length > maxDigits || /^[a-z]/.test(next) || /^[A-Z]{2,}$/.test(next)) return false;
      } else {
        if (piece.length >= 5 && !/[aeiouy]/i.test(piece)) return false;
        letters += piece.length;
        words++;
        allPieces.push(piece);
      }
    }
  }
  if (words === 0 || letters / words < MIN_AVERAGE_WORD_LENGTH) return false;
  if (CONSTANT_CASE.test(core) || SEGMENTED_WORDS.test(core)) return true;
  const likeness = wordLikeness(allPieces);
  return likeness === undefined || likeness >= MIN_WORD_LIKENESS;
}

const PATH_OR_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/@\s:]+(?:[/?#]|$)|\.{0,2}\/[\w.-]+\/|[A-Za-z]:\\|~\/)|^[\w.-]+(?:\/[\w.-]+){2,}$/;

/**
 * Android resources named in place of a value: a compiled file's path in the package
 * (`res/drawable-v21/$avd_hide_password__0.xml`, which aapt2 names after the inline drawable's
 * parent; shrunk builds write `res/-B.xml`), and references (`@drawable/ic_eye`, `@+id/password`,
 * `@android:string/ok`, `?attr/colorAccent`). Libraries ship many under names that say password.
 */
const ANDROID_RESOURCE = /^(?:res\/(?:[a-z]+(?:-[\w+.]+)*\/)?[\w$.+-]+|[@?]\+?(?:[a-z][\w.]*:)?[a-z][a-z-]*\/[\w$.]+)$/;

export function isAndroidResource(secret: string): boolean {
  return ANDROID_RESOURCE.test(secret);
}

/** File paths, URLs and Android resource paths or references that carry no credential. */
export function isPathOrUrl(secret: string): boolean {
  return PATH_OR_URL.test(secret) || ANDROID_RESOURCE.test(secret);
}

const JWT = /^eyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/;

/** The claims of a JWT's payload, or undefined when the value is not a JWT with a JSON object payload. */
export function jwtClaims(secret: string): Readonly<Record<string, unknown>> | undefined {
  const payload = JWT.exec(secret)?.[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Longest lifetime (`exp` − `iat`) of a token that is a session, not a standing credential. */
const SESSION_SECONDS = 24 * 60 * 60;

/**
 * A session token: its payload says it was issued to live a day or less (`exp` − `iat`). One
 * without `exp`, or without `iat` to measure from, may be a standing credential and is kept: a JWT
 * is judged by the lifetime it was issued with, so the result does not change with the day it runs.
 */
export function isShortLivedJwt(secret: string): boolean {
  const claims = jwtClaims(secret);
  const { exp, iat } = claims ?? {};
  return typeof exp === 'number' && typeof iat === 'number' && exp - iat <= SESSION_SECONDS;
}

const SERVICE_ROLES = new Set(['service_role', 'supabase_admin']);

/** Any JWT but a service credential: one whose `role` claim bypasses row-level security (Supabase `service_role`). */
export function isUnprivilegedJwt(secret: string): boolean {
  const role = jwtClaims(secret)?.['role'];
  return !(typeof role === 'string' && SERVICE_ROLES.has(role));
}

/** A character of the URL or query string around a signature: its parameters stand together between quotes or spaces. */
const QUERY_CHAR = /[^\s"'`<>]/;
/** How far the query string is read on each side of the signature. */
const QUERY_REACH = 1000;
/** The `se` parameter of a query string (`?se=`, `&se=`, `&amp;se=`, or first after `SharedAccessSignature `). */
const SIGNED_EXPIRY = /(?:^|[?&;])se=([^&\s"'`<>]{1,64})/g;
/** The ISO 8601 forms Azure accepts for `se`: a date, or a date and time with an optional zone (UTC without one). */
const ISO_EXPIRY = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,3})\d{0,4})?(Z|[+-]\d{2}:\d{2})?)?$/;

/** An `se` value as milliseconds since the epoch: ISO 8601 (storage SAS), or Unix seconds (Service Bus and Event Hubs); undefined when it is neither. */
function expiryTime(raw: string): number | undefined {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  const iso = ISO_EXPIRY.exec(value);
  if (iso === null) return undefined;
  const [, date, time = '00:00', fraction, zone = 'Z'] = iso;
  const parsed = Date.parse(`${date}T${time}${fraction === undefined ? '' : `.${fraction}`}${zone}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * When the Azure shared access signature the secret belongs to expires: the `se` parameter of the
 * query string or SharedAccessSignature token around it, or undefined when it has none that parses.
 */
export function sasExpiry(text: string, start: number, end: number): number | undefined {
  let from = start;
  while (from > 0 && start - from < QUERY_REACH && QUERY_CHAR.test(text[from - 1]!)) from--;
  let to = end;
  while (to < text.length && to - end < QUERY_REACH && QUERY_CHAR.test(text[to]!)) to++;
  for (const found of text.slice(from, to).matchAll(SIGNED_EXPIRY)) {
    const time = expiryTime(found[1]!);
    if (time !== undefined) return time;
  }
  return undefined;
}

/**
 * An Azure SAS whose `se` expiry is at or before the scan's date: the service refuses it, and it
 * does not hold the key that signed it. One without a readable `se` is kept.
 */
export function isExpiredSas({ text, start, end, now }: FilterInput): boolean {
  const expiry = sasExpiry(text, start, end);
  return expiry !== undefined && expiry <= now;
}

const FILTERS: Readonly<Record<FilterName, (input: FilterInput) => boolean>> = {
  placeholder: ({ secret }) => isPlaceholder(secret),
  template: ({ secret }) => isTemplate(secret),
  reference: ({ secret }) => isReference(secret),
  'documented-example': ({ secret, documentedExamples }) => isDocumentedExample(secret, documentedExamples),
  hash: ({ secret }) => isHash(secret),
  uuid: ({ secret }) => isUuid(secret),
  sequence: ({ secret }) => isObviousSequence(secret),
  identifier: ({ secret }) => isIdentifier(secret),
  path: ({ secret }) => isPathOrUrl(secret),
  'short-lived-jwt': ({ secret }) => isShortLivedJwt(secret),
  'unprivileged-jwt': ({ secret }) => isUnprivilegedJwt(secret),
  'expired-sas': isExpiredSas,
};

export const FILTER_NAMES = Object.keys(FILTERS) as readonly FilterName[];

/** The name of the first filter that rejects the candidate, or undefined when it passes all. */
export function rejectingFilter(names: readonly FilterName[], input: FilterInput): FilterName | undefined {
  return names.find((name) => FILTERS[name](input));
}
