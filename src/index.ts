/** keyleak's library API: everything the CLI does is available here. */
export type * from './types.js';
export { scan, type ScanOptions } from './scan/scan.js';
export { DEFAULT_MAX_FILE_SIZE } from './scan/limits.js';
export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './artifacts/limits.js';
export { scanGit, type GitScanOptions, type GitSelection } from './scan/git-scan.js';
export { parseShard, inShard, type Shard } from './scan/shard.js';
export { shardFile, parseShardFile, mergeShards, ShardFileError, type ShardFile, type MergedShards } from './post/shards.js';
export { loadRuleset, parseRuleText, BUILTIN_RULES_DIR, type LoadOptions } from './ruleset/load.js';
export { checkRules, type RuleCheckOptions } from './ruleset/check.js';
export { compileRuleset, type Rule, type Ruleset } from './ruleset/compile.js';
export { RuleError, formatRuleProblem, type RuleProblem } from './ruleset/errors.js';
export { detect, displayPath, type DetectTarget } from './detect/detector.js';
export { reporters, FORMATS, type Format } from './report/index.js';
export type { Reporter, ReportContext } from './report/context.js';
export { redactSecret } from './report/redact.js';
export { run, type Io, type ExitCode, EXIT } from './cli/run.js';
export { verifyFindings, VERIFY_DEFAULTS, type VerifyOptions } from './verify/verify.js';
export { isBuiltinRule } from './ruleset/load.js';
