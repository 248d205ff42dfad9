/**
 * The data that flows between keyleak's stages. Read this file first: it is the map of the system.
 * Everything here is plain, serialisable data so any stage can run on a worker thread.
 */

/** SARIF result levels, used verbatim everywhere. */
export type Level = 'error' | 'warning' | 'note';

/**
 * Confidential: must never ship (server keys, client secrets).
 * Publishable: designed to ship in clients (Stripe pk_, Firebase web keys, OAuth client ids);
 * reported at a low level and never failing a build by default.
 */
export type Exposure = 'confidential' | 'publishable';

/** A commit, as reports show it. */
export interface CommitInfo {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  /** Author date, ISO 8601. */
  readonly date: string;
  readonly subject: string;
  /** The ref a history walk reached it from (`git log --source`), short form: `feature/x`, `pull/12/head`. */
  readonly ref?: string;
}

/** Where inside one decoded binary file (DEX, resource table, plist, Mach-O...) a string sits. */
export type Locator =
  /** An indexed table: DEX `string_ids`, Hermes string table, class-file constant pool, a string pool. */
  | {
      readonly kind: 'string-table';
      readonly table: string;
      readonly index: number;
      /** How the code names the string, when only code does: `returned by Lcom/x/Config;->getConsumerSecret`. */
      readonly via?: string;
    }
  /** An object literal rebuilt from a bytecode's literal buffers (Hermes `NewObjectWithBuffer`), as `key: "value"` lines. */
  | { readonly kind: 'object-literal'; readonly table: string; readonly index: number }
  /** A compiled resource value: `string/google_api_key` (resources.arsc, resources.pb). */
  | { readonly kind: 'resource'; readonly name: string }
  /** An attribute of a binary-XML element: `<meta-data android:name="com.facebook.sdk.ClientToken">` value. */
  | { readonly kind: 'xml-attribute'; readonly element: string; readonly attribute: string; readonly name?: string }
  /** A plist value by key path: `FacebookClientToken`, `NSAppTransportSecurity/NSExceptionDomains/0`. */
  | { readonly kind: 'plist-key'; readonly keyPath: string }
  /** A string in a native binary section: Mach-O `__TEXT,__cstring` of the `arm64` slice, ELF `.rodata`. */
  | { readonly kind: 'section'; readonly section: string; readonly offset: number; readonly slice?: string; readonly via?: string }
  /**
   * A constant that reaches a key, IV, password or credential-header parameter of a call in `method`
   * (`dex string #41 → javax.crypto.spec.SecretKeySpec.<init> in Lcom/x/Crypto;->encrypt`), held
   * there or read from a field that only ever holds it; `caller` is the method that passed it to
   * `method` as an argument, when it came that way.
   */
  | { readonly kind: 'use'; readonly table: string; readonly index: number; readonly sink: string; readonly method: string; readonly caller?: string }
  /** A printable run found by the raw fallback, at a byte offset. */
  | { readonly kind: 'offset'; readonly offset: number; readonly encoding: 'utf8' | 'utf16le' | 'utf16be' };

/** Binary formats keyleak decodes into strings; `raw` is the printable-run fallback for the rest. */
export type BinaryFormat = 'dex' | 'class' | 'hermes' | 'arsc' | 'axml' | 'protobuf' | 'macho' | 'elf' | 'plist' | 'raw';

/** Where scanned text came from. */
export type Provenance =
  | { readonly kind: 'file'; readonly path: string }
  /**
   * A file inside a container (`app.apk!assets/sdk.aar!classes.jar`), or a binary file decoded
   * into strings. `path` joins `artifact` and `chain` with `!`; `locator` says where in a binary
   * leaf the string sits (absent for text entries, whose region is a line and column).
   */
  | {
      readonly kind: 'entry';
      readonly path: string;
      readonly artifact: string;
      readonly chain: readonly string[];
      readonly format?: BinaryFormat;
      readonly locator?: Locator;
    }
  /** Lines a commit added to `path` (history, range and CI scans). */
  | { readonly kind: 'git'; readonly path: string; readonly commit: CommitInfo }
  /** An original source embedded in a source map's `sourcesContent`; `path` is `map!source`. */
  | { readonly kind: 'sourcemap'; readonly path: string; readonly map: string; readonly source: string };

/** A place inside an artifact or a decoded binary file. */
export type EntryProvenance = Extract<Provenance, { readonly kind: 'entry' }>;

/** Names of the false-positive filters a rule can ask for (see detect/filters.ts). */
export type FilterName =
  | 'placeholder'
  | 'template'
  | 'reference'
  | 'documented-example'
  | 'hash'
  | 'uuid'
  | 'sequence'
  | 'identifier'
  | 'path'
  | 'short-lived-jwt'
  | 'unprivileged-jwt'
  | 'expired-sas';

/** Checksums a provider defines for its tokens (see detect/checksum.ts). */
export type ChecksumName = 'crc32-base62';

/** A positive rule example; `secret` pins what the secret group must capture. Negative examples are scanned as the first positive's path. */
export interface Example {
  readonly text: string;
  readonly secret?: string;
  /** File path the example is scanned as, for rules limited by `path` (`.netrc`, `config/master.key`). */
  readonly path?: string;
}

/** A regex as configured: JavaScript source and flags (from a leading `(?i)`, or translated from RE2). */
export interface PatternSpec {
  readonly source: string;
  readonly flags: string;
}

/** An allowlist as written in a rule file (gitleaks `[[allowlists]]` semantics). */
export interface AllowlistSpec {
  readonly description?: string;
  /** OR: any criterion allows the finding; AND: every criterion given must match. */
  readonly condition: 'OR' | 'AND';
  /** What `regexes` are tested against. */
  readonly regexTarget: 'secret' | 'match' | 'line';
  readonly regexes: readonly PatternSpec[];
  readonly paths: readonly PatternSpec[];
  /** Commit hashes whose findings are allowed (history scans; never match in a working tree). */
  readonly commits: readonly string[];
  /** Lowercased substrings of the secret. */
  readonly stopwords: readonly string[];
  /** For global allowlists: the rule ids it applies to (all rules when empty), as gitleaks' targetRules. */
  readonly targetRules: readonly string[];
}

/**
 * Another rule whose match belongs with this one: a client id next to its client secret.
 * `[[rules.required]]` (gitleaks semantics: no finding without it) or `[[rules.companions]]`
 * (attached when present). Unset distances mean anywhere in the same text.
 */
export interface CompanionSpec {
  readonly id: string;
  readonly required: boolean;
  readonly withinLines?: number;
  readonly withinColumns?: number;
}

/** A value a verifier template can name: the secret, or the nearest match of a companion rule. */
export type TemplateText = string;

/** How one answer of a provider is recognised: any status listed, and every JSON field equal to one of its values. */
export interface AnswerMatch {
  readonly status: readonly number[];
  /** Dotted JSON paths (`ok`, `account.status`) and the values that match (any of them). */
  readonly json: Readonly<Record<string, readonly (string | number | boolean)[]>>;
  /** Dotted JSON paths that must not be in the answer (an error object some APIs send with a 200). */
  readonly absent?: readonly string[];
}

/**
 * An HTTP check described as data in a rule file (`[rules.verify]`). The URL's scheme and host are
 * literal text of the rule file (a `{...}` in the host may only fill one DNS label), so what a
 * scanned file holds can never choose where the secret goes.
 */
export interface HttpVerifySpec {
  readonly kind: 'http';
  readonly method: 'GET' | 'POST' | 'HEAD';
  readonly url: TemplateText;
  /**
   * More URLs asked the same way (`url` given as an array). `until-live`: the provider's regional
   * hosts, asked in turn until one accepts the secret; invalid only when every one refuses it.
   * `all`: several APIs, all asked, each one that answers listed; invalid when one refuses the key.
   */
  readonly otherUrls?: readonly TemplateText[];
  readonly probe?: 'until-live' | 'all';
  /**
   * A regex with named groups run on the secret (JSON's `\/` read as `/`), for secrets that are
   * URLs: each group is a `${part.<name>}` placeholder (a webhook's id and token).
   */
  readonly secretParts?: string;
  readonly headers: Readonly<Record<string, TemplateText>>;
  /** HTTP Basic credentials: user and password templates. */
  readonly basic?: readonly [TemplateText, TemplateText];
  /** A form (application/x-www-form-urlencoded) or JSON body; at most one of the two. */
  readonly form?: Readonly<Record<string, TemplateText>>;
  readonly json?: TemplateText;
  readonly live: readonly AnswerMatch[];
  readonly invalid: readonly AnswerMatch[];
  /** Identity fields shown in the verification detail: `json:login`, `header:x-oauth-scopes`. */
  readonly identity: Readonly<Record<string, string>>;
}

/** OAuth 2.0 token-endpoint providers the client-credentials verifier knows (verify/oauth.ts). */
export type OAuthProvider = 'auth0' | 'okta' | 'entra' | 'google' | 'salesforce' | 'cognito' | 'keycloak' | 'spotify' | 'twitch' | 'discord' | 'linkedin' | 'adobe' | 'generic';

/** A check that needs code (a signature, a token-endpoint exchange), named from a rule file. */
export type CodeVerifySpec =
  | { readonly kind: 'oauth-client-credentials'; readonly provider: OAuthProvider }
  | { readonly kind: 'aws-sts' }
  | { readonly kind: 'vault' }
  | { readonly kind: 'azure-storage' };

export type VerifySpec = HttpVerifySpec | CodeVerifySpec;

/** A rule as read and validated from `rules/*.toml`: plain data, compiled by ruleset/compile.ts. */
export interface RuleSpec {
  /** kebab-case, globally unique: `stripe-secret-key`. */
  readonly id: string;
  /** The file the rule came from, for messages. */
  readonly file: string;
  /** Provider display name (`Stripe`), from the file's `provider` field. */
  readonly provider: string;
  /** What was found and what an attacker can do with it. */
  readonly description: string;
  /** JavaScript regex source. */
  readonly regex: string;
  /** Extra JS flags (subset of `imsu`); the engine adds `g` and `d`. */
  readonly flags: string;
  /** Capture group holding the secret: index or name. Default: group `secret`, else the first that matched. */
  readonly secretGroup?: number | string;
  /** Lowercased; the rule runs only on text containing one of them. Empty: always runs. */
  readonly keywords: readonly string[];
  /**
   * Every match starts where one of the keywords starts, as read from the regex when the rule was
   * parsed: the detector tries the regex only there, instead of along the whole text.
   */
  readonly anchored: boolean;
  /** Minimum Shannon entropy (bits per character) of the secret; 0 disables the gate. */
  readonly entropy: number;
  /** Regex on the display path: the rule only applies to matching paths. */
  readonly path?: PatternSpec;
  readonly exposure: Exposure;
  readonly level: Level;
  readonly filters: readonly FilterName[];
  /**
   * Filters whose rejection marks a value as a likely placeholder instead of dropping it: reported at
   * level note, apart from the secrets, so a credential slot filled by hand (`key 1234567890abcdef…`)
   * is listed for a reviewer without failing a build.
   */
  readonly placeholderFilters?: readonly FilterName[];
  /** Whether the default filters apply too (false for config formats where `password=pass` is a real leak). */
  readonly defaultFilters: boolean;
  /** A catch-all rule (`password = ...`): dropped where a provider rule matched the same text. */
  readonly generic: boolean;
  /** Only a companion of other rules, never reported alone (gitleaks skipReport). */
  readonly skipReport: boolean;
  /**
   * `match`: findings point at the whole match (a private key from its BEGIN line to its END line),
   * while the secret, and so the fingerprint, stays the secret group. Absent: the secret group.
   */
  readonly region?: 'match';
  readonly checksum?: ChecksumName;
  readonly allowlists: readonly AllowlistSpec[];
  readonly companions: readonly CompanionSpec[];
  /** What to do when this secret is found: rotate, revoke, move server-side. */
  readonly remediation: string;
  readonly references: readonly string[];
  readonly examples: readonly Example[];
  readonly negativeExamples: readonly string[];
  /** How `--verify` asks the provider whether a found secret still works. */
  readonly verify?: VerifySpec;
}

/** Global allowlists and filters, from `rules/_global.toml` and user configuration. */
export interface GlobalSpec {
  readonly allowlists: readonly AllowlistSpec[];
  /** Values published in provider documentation as examples (AWS `AKIAIOSFODNN7EXAMPLE`...). */
  readonly documentedExamples: readonly string[];
}

/** Every rule and global setting in force for a scan. Plain data, shipped to worker threads. */
export interface RulesetSpec {
  readonly rules: readonly RuleSpec[];
  readonly global: GlobalSpec;
}

/** 1-based line and column (SARIF convention; columns in UTF-16 code units, end exclusive). */
export interface Region {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** A companion rule's match found next to a secret (the client id paired with a client secret). */
export interface Companion {
  readonly ruleId: string;
  readonly secret: string;
  /** In a decoded binary, relative to the companion's own string, which `locator` names. */
  readonly region: Region;
  /** Where in a decoded binary the companion sits (`string/Access_Key`), when that is another string than the secret's. */
  readonly locator?: Locator;
}

/** Why a secret reaches every user of a site or app. */
export interface ShippedTo {
  /**
   * `app`: inside an app package (APK, IPA, extension, Electron app) anyone can download and unpack.
   * `client-config`: a Firebase web config object (`apiKey` beside `authDomain`, `projectId`...), which
   * Firebase tells every web app to put in its client code.
   */
  readonly via: 'client-bundle' | 'public-env' | 'app' | 'client-config';
  /** The app package, for `app`: `leaky.apk`. */
  readonly app?: string;
  /** The public environment variable that carries it (`NEXT_PUBLIC_STRIPE_KEY`), when the text names one. */
  readonly variable?: string;
}

/** Where a position in a built file came from, read through its source map. */
export interface OriginalPosition {
  /** The original file, as the source map names it. */
  readonly source: string;
  readonly line: number;
  readonly column: number;
  /** A public env variable the original line reads (`process.env.NEXT_PUBLIC_X`): the bundler inlined it. */
  readonly envVariable?: string;
}

/** Encodings a secret is decoded from: base64, JS escapes, JS concatenation, `String.fromCharCode`. */
export type Encoding = 'base64' | 'js-escape' | 'js-concat' | 'char-codes';

/** One place a secret was seen. */
export interface Occurrence {
  readonly provenance: Provenance;
  readonly region: Region;
  /** For a built file with a source map: the original source line the secret came from. */
  readonly original?: OriginalPosition;
  /** Shipped to every user: in a client bundle (a built script or a source map), or behind a public env prefix. */
  readonly shipped?: ShippedTo;
  /** Matches of companion rules next to it, in the same text. */
  readonly companions: readonly Companion[];
  /** Text on the secret's line just before and after it, for snippets (never the whole line). */
  readonly before: string;
  readonly after: string;
  /** How the secret was encoded where it was found; empty when found as-is. */
  readonly encoding: readonly Encoding[];
}

/** What the detector yields: one rule matching one secret at one place. */
export interface Hit extends Occurrence {
  readonly ruleId: string;
  readonly secret: string;
  readonly entropy: number;
  /** The placeholder filter that recognised the value as typed by hand (see `RuleSpec.placeholderFilters`). */
  readonly likelyPlaceholder?: FilterName;
  /** Silenced by a `keyleak:allow` comment on its line: not a finding, but proof the comment is used. */
  readonly allowedInline?: true;
}

/** Why a finding does not count: it is in the baseline. Reports keep it (SARIF `suppressions`). */
export interface Suppression {
  readonly kind: 'baseline';
  readonly justification: string;
}

/** Where a secret found in history came from and where it went. */
export interface SecretHistory {
  /** The oldest commit that added it. */
  readonly introduced: CommitInfo;
  /** Whether a file at HEAD still holds it. */
  readonly presentAtHead: boolean;
  /** The commit that took it out, when it is gone from HEAD. */
  readonly removedIn?: CommitInfo;
  /** Refs that hold the introducing commit when HEAD does not (unmerged branches). */
  readonly onlyOn?: readonly string[];
}

/**
 * What the provider said about a secret (`--verify`). `live`: it authenticates; `invalid`: the
 * provider refused it; `unknown`: not checked, or the answer did not say (no verifier, host not
 * allowed, a companion missing, rate limited); `error`: the check failed (network, timeout, 5xx,
 * a redirect, an oversized answer).
 */
export interface Verification {
  readonly status: 'live' | 'invalid' | 'unknown' | 'error';
  /** ISO 8601. */
  readonly checkedAt: string;
  /** One line for people: identity the provider returned, or why nothing was decided. Never a token. */
  readonly detail: string;
  /** The host the secret was sent to, when it was sent. */
  readonly host?: string;
  /** Live credentials whose grant is disabled (`unauthorized_client`): the pair authenticates, no token was issued. */
  readonly grantDisabled?: true;
  /** Who the secret is, where the provider says: `account`, `arn`, `login`, `scopes`, `team`... */
  readonly identity?: Readonly<Record<string, string>>;
}

/** One finding per (rule, secret), with every place it was seen, sorted. */
export interface Finding {
  readonly ruleId: string;
  readonly level: Level;
  readonly exposure: Exposure;
  /** The raw value; only report/redact.ts decides how much of it is shown. */
  readonly secret: string;
  readonly entropy: number;
  /** Content-based: stable across line moves and commits. */
  readonly fingerprint: string;
  readonly occurrences: readonly Occurrence[];
  /** The value looks typed by hand (a counting run, for one): level note, listed apart from the secrets. */
  readonly likelyPlaceholder?: FilterName;
  /** For history scans: introduction, removal, reachability. */
  readonly history?: SecretHistory;
  /** Set when a baseline covers every occurrence: reported, but never failing a build. */
  readonly suppression?: Suppression;
  /** Set by `--verify`. */
  readonly verification?: Verification;
}

/** A problem that did not stop the scan: unreadable file, skipped binary, size limit... */
export interface Notice {
  readonly level: 'warning' | 'note';
  /** Stable machine-readable code: `file-too-large`, `unreadable`, `binary-skipped`, `symlink-outside-root`... */
  readonly code: string;
  readonly message: string;
  readonly path?: string;
}

/** How far a scan has got, for a progress display; a snapshot, sent as work finishes and a few times a second. */
export interface ScanProgress {
  /** What `done` and `total` count: files (and artifacts) of a folder scan, commits of a history scan. */
  readonly unit: 'files' | 'commits';
  readonly done: number;
  /** How many there are, when known before they are scanned (files are; commits are read as they come). */
  readonly total?: number;
  /** Bytes read so far: file sizes, or the text commits added. */
  readonly bytes: number;
  /** The file, artifact or commit being scanned now. */
  readonly current?: string;
}

export interface ScanStats {
  readonly files: number;
  readonly bytes: number;
  readonly durationMs: number;
}

/** A `keyleak:allow` (or `gitleaks:allow`) comment, by file and line. */
export interface InlineAllow {
  readonly path: string;
  readonly line: number;
}

/**
 * What git says about the secrets of some findings, in facts that hold whichever findings were asked
 * about together: so the facts of history shards, joined, answer exactly as one run over all of them.
 */
export interface HistoryFacts {
  /** `path\0secret` (the secret's searchable line) that a file at HEAD still holds. */
  readonly atHead: readonly string[];
  /** Commits (of the findings' occurrences) that HEAD reaches. */
  readonly onHead: readonly string[];
  /** `path\0secret` → the newest commit on HEAD's history that lowered how often the file holds it. */
  readonly removedIn: readonly (readonly [string, CommitInfo])[];
  /** A commit HEAD does not reach → the refs that contain it, asked only when no occurrence names a ref. */
  readonly containedBy: readonly (readonly [string, readonly string[]])[];
}

export interface ScanResult {
  readonly findings: readonly Finding[];
  readonly notices: readonly Notice[];
  readonly stats: ScanStats;
  /** `keyleak:allow` comments that silenced nothing (working-tree scans). */
  readonly unusedInlineAllows?: readonly InlineAllow[];
  /** For a shard of a history: what git said about its findings' secrets, to join with the other shards'. */
  readonly historyFacts?: HistoryFacts;
}
