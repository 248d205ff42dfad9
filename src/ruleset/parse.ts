/**
 * Validates one parsed rule file (TOML, a superset of the gitleaks rule schema) into plain specs.
 * Every problem is collected with its file, rule id and field, so a user fixes them in one pass.
 * Two dialects: keyleak rule files hold JavaScript regexes; gitleaks configurations hold RE2
 * regexes, translated here, and a rule that cannot be translated is skipped with a warning.
 */
import type { AllowlistSpec, ChecksumName, CompanionSpec, Example, Exposure, FilterName, Level, PatternSpec, RuleSpec } from '../types.js';
import { FILTER_NAMES } from '../detect/filters.js';
import { checksums } from '../detect/checksum.js';
import type { RuleProblem } from './errors.js';
import { ALLOWED_RULE_FLAGS, captureGroupCount, compileRuleRegex, regexErrorReason, shortened } from './regex.js';
import { startsAtKeyword } from './anchor.js';
import { translateRe2 } from './re2.js';
import { catastrophicBacktracking } from './redos.js';
import { parseVerifySpec } from './verify-spec.js';
import { expandGrammar } from './grammar.js';

export type Dialect = 'keyleak' | 'gitleaks';

/** gitleaks `[extend]`: build on the default rules and/or another configuration. */
export interface ExtendSpec {
  readonly useDefault: boolean;
  readonly path?: string;
  readonly disabledRules: readonly string[];
}

export interface ParsedRuleFile {
  readonly rules: readonly RuleSpec[];
  readonly allowlists: readonly AllowlistSpec[];
  readonly documentedExamples: readonly string[];
  /** Errors: the file must be fixed before it loads. */
  readonly problems: readonly RuleProblem[];
  /** Rules skipped while the rest load (gitleaks regexes with no JavaScript equivalent). */
  readonly warnings: readonly RuleProblem[];
  readonly extend?: ExtendSpec;
}

/** Thrown inside a rule's parse when a gitleaks regex cannot be translated: the rule is skipped. */
class UntranslatableRule extends Error {
  constructor(
    readonly field: string,
    reason: string,
    /** A rule skipped for being dangerous, not for using syntax JavaScript lacks, is a warning. */
    readonly level?: 'warning',
  ) {
    super(reason);
  }
}

type Table = Readonly<Record<string, unknown>>;

const FILE_FIELDS = new Set(['title', 'provider', 'references', 'rules', 'allowlist', 'allowlists', 'documented_examples', 'extend', 'minVersion']);
const EXTEND_FIELDS = new Set(['useDefault', 'path', 'disabledRules']);
const RULE_FIELDS = new Set([
  'id', 'description', 'regex', 'secretGroup', 'keywords', 'entropy', 'path', 'allowlist', 'allowlists', 'tags',
  'exposure', 'level', 'flags', 'filters', 'placeholder_filters', 'default_filters', 'generic', 'skipReport', 'region', 'required', 'companions', 'checksum', 'remediation', 'references', 'examples', 'negative_examples', 'verify',
]);
const COMPANION_FIELDS = new Set(['id', 'withinLines', 'withinColumns']);
const EXAMPLE_FIELDS = new Set(['text', 'secret', 'path']);
const ALLOWLIST_FIELDS = new Set(['description', 'condition', 'regexTarget', 'regexes', 'paths', 'stopwords', 'targetRules', 'commits']);
const RULE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field readers that record a problem and return undefined when a value has the wrong type. */
class FieldReader {
  readonly problems: RuleProblem[] = [];
  readonly warnings: RuleProblem[] = [];

  constructor(
    private readonly fileName: string,
    readonly dialect: Dialect,
    /** Built-in rules, already run by the rule harness in CI: checks that execute regexes are skipped. */
    readonly trusted: boolean,
  ) {}

  get file(): string {
    return this.fileName;
  }

  problem(ruleId: string | undefined, field: string | undefined, message: string): void {
    this.problems.push({ file: this.fileName, ...(ruleId === undefined ? {} : { ruleId }), ...(field === undefined ? {} : { field }), message });
  }

  unknownFields(table: Table, known: ReadonlySet<string>, ruleId: string | undefined, where: string): void {
    for (const key of Object.keys(table)) {
      if (!known.has(key)) this.problem(ruleId, key, `unknown field in ${where}`);
    }
  }

  string(table: Table, field: string, ruleId?: string): string | undefined {
    const value = table[field];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    this.problem(ruleId, field, 'must be a string');
    return undefined;
  }

  number(table: Table, field: string, ruleId?: string): number | undefined {
    const value = table[field];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.problem(ruleId, field, 'must be a number');
    return undefined;
  }

  strings(table: Table, field: string, ruleId?: string): readonly string[] {
    const value = table[field];
    if (value === undefined) return [];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    this.problem(ruleId, field, 'must be an array of strings');
    return [];
  }

  oneOf<T extends string>(table: Table, field: string, allowed: readonly T[], ruleId?: string): T | undefined {
    const value = this.string(table, field, ruleId);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(ruleId, field, `must be one of ${allowed.join(', ')}, not "${value}"`);
    return undefined;
  }

  /**
   * A configured regex as JavaScript: RE2 translated in gitleaks configurations; in keyleak rule
   * files a leading `(?i)` (the one inline flag users reach for) becomes the `i` flag.
   */
  pattern(source: string, field: string, ruleId?: string): PatternSpec | undefined {
    let pattern: PatternSpec;
    if (this.dialect === 'gitleaks') {
      const translated = translateRe2(source);
      if (!translated.ok) throw new UntranslatableRule(field, translated.reason);
      pattern = { source: translated.source, flags: translated.flags };
    } else {
      const caseless = source.startsWith('(?i)');
      pattern = { source: caseless ? source.slice(4) : source, flags: caseless ? 'i' : '' };
    }
    try {
      // V8 compiles a regex on first use: running it once turns "too large" into a load-time problem.
      new RegExp(pattern.source, pattern.flags).test('');
    } catch (error) {
      this.problem(ruleId, field, `${regexErrorReason(error)} in /${shortened(source)}/`);
      return undefined;
    }
    return pattern;
  }

  patterns(table: Table, field: string, ruleId?: string): readonly PatternSpec[] {
    return this.strings(table, field, ruleId).flatMap((source) => this.pattern(source, field, ruleId) ?? []);
  }

  /** gitleaks accepts a single `[allowlist]` table (older configs) or an array `[[allowlists]]`. */
  allowlists(table: Table, ruleId?: string): AllowlistSpec[] {
    const tables: unknown[] = [];
    if (table['allowlist'] !== undefined) tables.push(table['allowlist']);
    if (table['allowlists'] !== undefined) {
      if (Array.isArray(table['allowlists'])) tables.push(...table['allowlists']);
      else this.problem(ruleId, 'allowlists', 'must be an array of tables ([[allowlists]])');
    }
    const specs: AllowlistSpec[] = [];
    for (const entry of tables) {
      if (!isTable(entry)) {
        this.problem(ruleId, 'allowlists', 'each allowlist must be a table');
        continue;
      }
      try {
        specs.push(...this.allowlist(entry, ruleId));
      } catch (error) {
        // In a rule, an untranslatable allowlist skips the whole rule (caught by the rule's parse).
        if (!(error instanceof UntranslatableRule) || ruleId !== undefined) throw error;
        this.warnings.push({ file: this.fileName, field: `allowlists.${error.field}`, message: `allowlist skipped: ${error.message}` });
      }
    }
    return specs;
  }

  /** One allowlist table; empty when it is invalid (the problem is recorded). */
  private allowlist(entry: Table, ruleId: string | undefined): AllowlistSpec[] {
    this.unknownFields(entry, ALLOWLIST_FIELDS, ruleId, 'allowlist');
    const description = this.string(entry, 'description', ruleId);
    const spec: AllowlistSpec = {
      ...(description === undefined ? {} : { description }),
      condition: this.oneOf(entry, 'condition', ['OR', 'AND'] as const, ruleId) ?? 'OR',
      regexTarget: this.oneOf(entry, 'regexTarget', ['secret', 'match', 'line'] as const, ruleId) ?? 'secret',
      regexes: this.patterns(entry, 'regexes', ruleId),
      paths: this.patterns(entry, 'paths', ruleId),
      commits: this.strings(entry, 'commits', ruleId),
      stopwords: this.strings(entry, 'stopwords', ruleId).map((word) => word.toLowerCase()),
      targetRules: this.strings(entry, 'targetRules', ruleId),
    };
    if (ruleId !== undefined && spec.targetRules.length > 0) this.problem(ruleId, 'allowlists', 'targetRules belongs in a global [[allowlists]] table');
    if (spec.regexes.length + spec.paths.length + spec.stopwords.length + spec.commits.length === 0) {
      this.problem(ruleId, 'allowlists', 'an allowlist needs at least one of regexes, paths, stopwords or commits');
      return [];
    }
    return [spec];
  }

  companions(table: Table, field: 'required' | 'companions', ruleId: string): CompanionSpec[] {
    const value = table[field];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(ruleId, field, `must be an array of tables ([[rules.${field}]])`);
      return [];
    }
    const specs: CompanionSpec[] = [];
    for (const entry of value) {
      if (!isTable(entry) || typeof entry['id'] !== 'string') {
        this.problem(ruleId, field, 'each entry needs an id');
        continue;
      }
      this.unknownFields(entry, COMPANION_FIELDS, ruleId, field);
      const withinLines = this.number(entry, 'withinLines', ruleId);
      const withinColumns = this.number(entry, 'withinColumns', ruleId);
      specs.push({
        id: entry['id'],
        required: field === 'required',
        ...(withinLines === undefined ? {} : { withinLines }),
        ...(withinColumns === undefined ? {} : { withinColumns }),
      });
    }
    return specs;
  }

  examples(table: Table, ruleId: string): Example[] {
    const value = table['examples'];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(ruleId, 'examples', 'must be an array of strings or { text, secret } tables');
      return [];
    }
    const examples: Example[] = [];
    for (const item of value) {
      if (typeof item === 'string') examples.push({ text: item });
      else if (isTable(item) && typeof item['text'] === 'string' && ['secret', 'path'].every((key) => item[key] === undefined || typeof item[key] === 'string')) {
        this.unknownFields(item, EXAMPLE_FIELDS, ruleId, 'example');
        const { secret, path } = item as { secret?: string; path?: string };
        examples.push({ text: item['text'], ...(secret === undefined ? {} : { secret }), ...(path === undefined ? {} : { path }) });
      } else this.problem(ruleId, 'examples', 'each example must be a string or a { text, secret, path } table');
    }
    return examples;
  }
}

function validateRegex(reader: FieldReader, ruleId: string, source: string, flags: string, secretGroup: number | string | undefined): void {
  let regex: RegExp;
  try {
    regex = compileRuleRegex(source, flags);
  } catch (error) {
    // A gitleaks configuration may come with the scanned repository: its bad rule is skipped, the rest load.
    if (reader.dialect === 'gitleaks') throw new UntranslatableRule('regex', `${regexErrorReason(error)} in /${shortened(source)}/`);
    reader.problem(ruleId, 'regex', regexErrorReason(error));
    return;
  }
  const groups = captureGroupCount(source);
  if (typeof secretGroup === 'number' && secretGroup > groups) {
    reader.problem(ruleId, 'secretGroup', `group ${secretGroup} does not exist (the regex has ${groups})`);
  }
  if (typeof secretGroup === 'string' && !source.includes(`(?<${secretGroup}>`)) {
    reader.problem(ruleId, 'secretGroup', `the regex has no group named "${secretGroup}"`);
  }
  // Running a regex compiles it; the rule harness runs the built-in rules, so only users' are run here.
  if (reader.trusted) return;
  if (regex.test('')) reader.problem(ruleId, 'regex', 'matches the empty string');
  const backtracking = catastrophicBacktracking(source, flags);
  if (backtracking === undefined) return;
  // A repository's own .gitleaks.toml must not be able to stall or stop the scan of that repository.
  if (reader.dialect === 'gitleaks') throw new UntranslatableRule('regex', `can backtrack catastrophically: ${backtracking}`, 'warning');
  reader.problem(ruleId, 'regex', `can backtrack catastrophically: ${backtracking}; bound or fence its quantifiers`);
}

function parseRule(reader: FieldReader, entry: unknown, index: number, provider: string, fileReferences: readonly string[]): RuleSpec | undefined {
  if (!isTable(entry)) {
    reader.problem(undefined, `rules[${index}]`, 'must be a table ([[rules]])');
    return undefined;
  }
  const id = reader.string(entry, 'id');
  if (id === undefined) {
    reader.problem(undefined, `rules[${index}]`, 'missing id');
    return undefined;
  }
  if (reader.dialect === 'keyleak' && !RULE_ID.test(id)) reader.problem(id, 'id', 'must be lower-case kebab-case (a-z, 0-9 and single hyphens)');
  if (reader.dialect === 'gitleaks' && !/^\S+$/.test(id)) reader.problem(id, 'id', 'must not be empty or contain spaces');
  reader.unknownFields(entry, RULE_FIELDS, id, 'rule');
  try {
    return parseRuleFields(reader, entry, id, provider, fileReferences);
  } catch (error) {
    if (!(error instanceof UntranslatableRule)) throw error;
    reader.warnings.push({ file: reader.file, ruleId: id, field: error.field, message: `skipped: ${error.message}`, ...(error.level === undefined ? {} : { level: error.level }) });
    return undefined;
  }
}

function parseRuleFields(reader: FieldReader, entry: Table, id: string, provider: string, fileReferences: readonly string[]): RuleSpec | undefined {
  const rawRegex = reader.string(entry, 'regex', id);
  if (rawRegex === undefined && reader.dialect === 'gitleaks' && entry['path'] !== undefined) {
    throw new UntranslatableRule('regex', 'rules that match a path without a regex are not supported');
  }
  if (rawRegex === undefined) reader.problem(id, 'regex', 'missing');
  let flags = reader.string(entry, 'flags', id) ?? '';
  if ([...flags].some((flag) => !ALLOWED_RULE_FLAGS.includes(flag))) {
    reader.problem(id, 'flags', `only ${[...ALLOWED_RULE_FLAGS].join(', ')} are allowed; the engine adds g and d`);
    flags = '';
  }
  let regex = rawRegex;
  if (rawRegex !== undefined && reader.dialect === 'gitleaks') {
    const translated = translateRe2(rawRegex);
    if (!translated.ok) throw new UntranslatableRule('regex', translated.reason);
    regex = translated.source;
    flags = [...new Set([...flags, ...translated.flags])].join('');
  }
  if (regex !== undefined && reader.dialect === 'keyleak') {
    const expanded = expandGrammar(regex);
    if (!expanded.ok) reader.problem(id, 'regex', expanded.reason);
    regex = expanded.ok ? expanded.source : undefined;
  }
  const rawGroup = entry['secretGroup'];
  let secretGroup: number | string | undefined;
  if (rawGroup !== undefined) {
    if ((typeof rawGroup === 'number' && Number.isInteger(rawGroup) && rawGroup >= 0) || typeof rawGroup === 'string') secretGroup = rawGroup;
    else reader.problem(id, 'secretGroup', 'must be a group index or a group name');
  }
  if (regex !== undefined) validateRegex(reader, id, regex, flags, secretGroup);

  const exposure: Exposure = reader.oneOf(entry, 'exposure', ['confidential', 'publishable'] as const, id) ?? 'confidential';
  const level: Level = reader.oneOf(entry, 'level', ['error', 'warning', 'note'] as const, id) ?? (exposure === 'publishable' ? 'note' : 'error');
  if (exposure === 'publishable' && level === 'error') reader.problem(id, 'level', 'a publishable secret cannot be reported at level error');
  const entropy = reader.number(entry, 'entropy', id) ?? 0;
  if (entropy < 0 || entropy > 8) reader.problem(id, 'entropy', 'must be between 0 and 8 bits per character');
  const rawPath = reader.string(entry, 'path', id);
  const path = rawPath === undefined ? undefined : reader.pattern(rawPath, 'path', id);
  const filters = reader.strings(entry, 'filters', id);
  const placeholderFilters = reader.strings(entry, 'placeholder_filters', id);
  for (const [field, names] of [['filters', filters], ['placeholder_filters', placeholderFilters]] as const) {
    for (const filter of names) {
      if (!(FILTER_NAMES as readonly string[]).includes(filter)) reader.problem(id, field, `unknown filter "${filter}" (known: ${FILTER_NAMES.join(', ')})`);
    }
  }
  const generic = entry['generic'] ?? false;
  if (typeof generic !== 'boolean') reader.problem(id, 'generic', 'must be true or false');
  const defaultFilters = entry['default_filters'] ?? true;
  if (typeof defaultFilters !== 'boolean') reader.problem(id, 'default_filters', 'must be true or false');
  const skipReport = entry['skipReport'] ?? false;
  if (typeof skipReport !== 'boolean') reader.problem(id, 'skipReport', 'must be true or false');
  const region = reader.oneOf(entry, 'region', ['secret', 'match'] as const, id);
  const checksum = reader.oneOf(entry, 'checksum', Object.keys(checksums) as ChecksumName[], id);
  const keywords = reader.strings(entry, 'keywords', id).map((keyword) => keyword.toLowerCase());
  if (keywords.some((keyword) => keyword.length === 0)) reader.problem(id, 'keywords', 'a keyword cannot be empty');
  const description = reader.string(entry, 'description', id) ?? '';
  const remediation = reader.string(entry, 'remediation', id) ?? '';
  const negatives = reader.strings(entry, 'negative_examples', id);
  reader.strings(entry, 'tags', id);
  const companions = [...reader.companions(entry, 'required', id), ...reader.companions(entry, 'companions', id)];
  const verify = verifySpec(reader, entry, id, companions);

  return {
    id,
    file: '',
    provider,
    description,
    regex: regex ?? '',
    flags,
    ...(secretGroup === undefined ? {} : { secretGroup }),
    keywords,
    anchored: regex !== undefined && startsAtKeyword(regex, flags, keywords),
    entropy,
    ...(path === undefined ? {} : { path }),
    exposure,
    level,
    filters: filters as FilterName[],
    ...(placeholderFilters.length === 0 ? {} : { placeholderFilters: placeholderFilters as FilterName[] }),
    defaultFilters: defaultFilters !== false,
    generic: generic === true,
    skipReport: skipReport === true,
    ...(region === 'match' ? { region } : {}),
    ...(checksum === undefined ? {} : { checksum }),
    allowlists: reader.allowlists(entry, id),
    companions,
    remediation,
    references: [...reader.strings(entry, 'references', id), ...fileReferences],
    examples: reader.examples(entry, id),
    negativeExamples: negatives,
    ...(verify === undefined ? {} : { verify }),
  };
}

/**
 * A rule's `[rules.verify]` table. gitleaks has none, and a gitleaks configuration may come with the
 * scanned repository, so there it is ignored with a warning and never sends anything.
 */
function verifySpec(reader: FieldReader, entry: Table, id: string, companions: readonly CompanionSpec[]): RuleSpec['verify'] {
  if (entry['verify'] === undefined) return undefined;
  if (reader.dialect === 'gitleaks') {
    reader.warnings.push({ file: reader.file, ruleId: id, field: 'verify', message: 'ignored: verification is only read from keyleak rule files' });
    return undefined;
  }
  return parseVerifySpec(entry['verify'], companions, (field, message) => reader.problem(id, field, message));
}

function parseExtend(reader: FieldReader, document: Table): ExtendSpec | undefined {
  const extend = document['extend'];
  if (extend === undefined) return undefined;
  if (!isTable(extend)) {
    reader.problem(undefined, 'extend', 'must be a table ([extend])');
    return undefined;
  }
  reader.unknownFields(extend, EXTEND_FIELDS, undefined, 'extend');
  const useDefault = extend['useDefault'] ?? false;
  if (typeof useDefault !== 'boolean') reader.problem(undefined, 'extend.useDefault', 'must be true or false');
  const path = reader.string(extend, 'path');
  return { useDefault: useDefault === true, ...(path === undefined ? {} : { path }), disabledRules: reader.strings(extend, 'disabledRules') };
}

/** `file` is used in messages and stored on every rule; `document` is the parsed TOML. */
export function parseRuleFile(file: string, document: Table, dialect: Dialect = 'keyleak', trusted = false): ParsedRuleFile {
  const reader = new FieldReader(file, dialect, trusted);
  reader.unknownFields(document, FILE_FIELDS, undefined, 'rule file');
  const provider = reader.string(document, 'provider') ?? reader.string(document, 'title') ?? '';
  const fileReferences = reader.strings(document, 'references');
  const rawRules = document['rules'];
  const rules: RuleSpec[] = [];
  if (rawRules !== undefined && !Array.isArray(rawRules)) reader.problem(undefined, 'rules', 'must be an array of tables ([[rules]])');
  if (Array.isArray(rawRules)) {
    rawRules.forEach((entry, index) => {
      const rule = parseRule(reader, entry, index, provider, fileReferences);
      if (rule) rules.push({ ...rule, file });
    });
  }
  const extend = parseExtend(reader, document);
  return {
    rules,
    allowlists: reader.allowlists(document),
    documentedExamples: reader.strings(document, 'documented_examples'),
    problems: reader.problems,
    warnings: reader.warnings,
    ...(extend === undefined ? {} : { extend }),
  };
}
