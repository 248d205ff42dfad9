/**
 * For findings from history: the commit that introduced each secret, whether HEAD still holds it,
 * the commit that removed it, and the refs it lives on when HEAD never had it. Each question is one
 * git process for all findings together, never one per finding.
 */
import type { CommitInfo, Finding, HistoryFacts, SecretHistory } from '../types.js';
import { DIFF_OPTIONS, LOG_FORMAT, PatchParser, runGit, streamGit } from '../sources/git.js';

function commitsOf(finding: Finding): CommitInfo[] {
  return finding.occurrences.flatMap((occurrence) => (occurrence.provenance.kind === 'git' ? [occurrence.provenance.commit] : []));
}

function oldest(commits: readonly CommitInfo[]): CommitInfo {
  return commits.reduce((best, commit) => (Date.parse(commit.date) < Date.parse(best.date) || (commit.date === best.date && commit.sha < best.sha) ? commit : best));
}

/** Git searches line by line; a multi-line secret (a PEM body) is looked for by its first. */
function searchable(secret: string): string {
  return secret.split(/\r?\n/)[0]!;
}

/** How many times `needle` occurs in `text`, without overlaps. */
export function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Secrets (their searchable line) to look for, by the path they were found at. */
type SecretsByPath = ReadonlyMap<string, readonly string[]>;

function secretsByPath(findings: readonly Finding[]): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const finding of findings) {
    for (const path of new Set(finding.occurrences.map((occurrence) => occurrence.provenance.path))) {
      const secrets = byPath.get(path) ?? [];
      secrets.push(searchable(finding.secret));
      byPath.set(path, secrets);
    }
  }
  return byPath;
}

/**
 * Reads `git grep -z HEAD` output, `HEAD:path\0text` per matching line. The path is as stored (no
 * quoting, so colons are its own), and one holding line feeds arrives over several lines.
 */
export class GrepReader {
  private carried = '';

  line(line: string): { readonly path: string; readonly text: string } | undefined {
    const nul = line.indexOf('\0');
    if (nul === -1) {
      this.carried += `${line}\n`;
      return undefined;
    }
    const path = (this.carried + line.slice(0, nul)).slice('HEAD:'.length);
    this.carried = '';
    return { path, text: line.slice(nul + 1) };
  }
}

/** `path\0secret` for each secret HEAD still holds at that path: one `git grep` over HEAD for them all. */
async function presentAtHead(root: string, wanted: SecretsByPath): Promise<Set<string>> {
  const present = new Set<string>();
  const patterns = [...new Set([...wanted.values()].flat())];
  const reader = new GrepReader();
  await streamGit(['grep', '-z', '--text', '--fixed-strings', '--no-color', '--no-recurse-submodules', '-f', '-', 'HEAD'], root, (line) => {
    const match = reader.line(line);
    if (match === undefined) return;
    for (const secret of wanted.get(match.path) ?? []) {
      if (match.text.includes(secret)) present.add(`${match.path}\0${secret}`);
    }
  }, `${patterns.join('\n')}\n`).catch(() => undefined); // no HEAD, or nothing matched (grep exits 1)
  return present;
}

/**
 * Which of `commits` HEAD reaches: one walk lists what the commits reach and HEAD does not, which
 * stops where their histories join HEAD's (the whole of HEAD's history is never listed).
 */
async function reachableFromHead(root: string, commits: ReadonlySet<string>): Promise<Set<string>> {
  const unreached = new Set<string>();
  const answered = await streamGit(['rev-list', '--stdin'], root, (sha) => void unreached.add(sha), `${[...commits, '^HEAD'].join('\n')}\n`).then(
    () => true,
    () => false, // no HEAD: nothing is reachable
  );
  return answered ? new Set([...commits].filter((sha) => !unreached.has(sha))) : new Set();
}

/** Pathspecs per git call, so a history with many paths never exceeds the argument-length limit. */
const MAX_PATHSPEC_CHARS = 64 * 1024;

function pathspecGroups(paths: readonly string[]): string[][] {
  const groups: string[][] = [];
  let chars = Number.POSITIVE_INFINITY;
  for (const path of paths) {
    const pathspec = `:(literal)${path}`;
    if (chars + pathspec.length > MAX_PATHSPEC_CHARS) {
      groups.push([]);
      chars = 0;
    }
    groups.at(-1)!.push(pathspec);
    chars += pathspec.length;
  }
  return groups;
}

/**
 * For each `path\0secret`, the newest commit on HEAD's history that lowered the number of times the
 * file holds the secret: one `git log -p` over the paths concerned, reading removed and added lines.
 */
async function removals(root: string, wanted: SecretsByPath): Promise<Map<string, CommitInfo>> {
  const removedIn = new Map<string, CommitInfo>();
  for (const pathspecs of pathspecGroups([...wanted.keys()])) {
    let commit: CommitInfo | undefined;
    let change = new Map<string, number>();
    const settle = () => {
      for (const [key, delta] of change) if (delta < 0 && commit !== undefined && !removedIn.has(key)) removedIn.set(key, commit);
      change = new Map();
    };
    const count = (path: string, text: string, sign: number) => {
      for (const secret of wanted.get(path) ?? []) {
        const key = `${path}\0${secret}`;
        change.set(key, (change.get(key) ?? 0) + sign * countOccurrences(text, secret));
      }
    };
    const parser = new PatchParser({
      added: (lines) => {
        if (lines.commit !== commit) settle();
        commit = lines.commit;
        count(lines.path, lines.text, 1);
      },
      removed: (lines) => {
        if (lines.commit !== commit) settle();
        commit = lines.commit;
        count(lines.path, lines.text, -1);
      },
      notice: () => undefined,
    });
    await streamGit(['log', '-p', ...DIFF_OPTIONS, LOG_FORMAT, 'HEAD', '--', ...pathspecs], root, (line) => parser.line(line));
    await parser.flush();
    settle();
  }
  return removedIn;
}

/** Facts of separate runs over one repository, together. */
export function joinHistoryFacts(all: readonly HistoryFacts[]): HistoryFacts {
  const unique = <T>(items: readonly T[]) => [...new Set(items)].sort();
  const firstByKey = <T>(entries: readonly (readonly [string, T])[]) => [...new Map([...entries].reverse())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    atHead: unique(all.flatMap((facts) => facts.atHead)),
    onHead: unique(all.flatMap((facts) => facts.onHead)),
    removedIn: firstByKey(all.flatMap((facts) => facts.removedIn)),
    containedBy: firstByKey(all.flatMap((facts) => facts.containedBy)),
  };
}

const keysOf = (finding: Finding) => [...new Set(finding.occurrences.map((occurrence) => `${occurrence.provenance.path}\0${searchable(finding.secret)}`))];

/** Refs the walk reached a finding's commits from (free with --source). */
function walkRefs(finding: Finding): string[] {
  return [...new Set(commitsOf(finding).flatMap((commit) => (commit.ref === undefined ? [] : [commit.ref])))].sort();
}

/**
 * Asks git what `composeHistory` needs for these findings. `complete` also asks what a run over more
 * findings (other shards of the history) could need: removals and containing refs for every secret
 * HEAD no longer holds, whatever commit introduced it here.
 */
export async function gatherHistoryFacts(findings: readonly Finding[], root: string, complete = false): Promise<HistoryFacts> {
  const traced = findings.filter((finding) => commitsOf(finding).length > 0);
  if (traced.length === 0) return { atHead: [], onHead: [], removedIn: [], containedBy: [] };
  const introducedBy = new Map(traced.map((finding) => [finding, oldest(commitsOf(finding))]));
  const occurrenceCommits = complete ? traced.flatMap((finding) => commitsOf(finding).map((commit) => commit.sha)) : [...introducedBy.values()].map((commit) => commit.sha);
  const [atHead, onHead] = await Promise.all([presentAtHead(root, secretsByPath(traced)), reachableFromHead(root, new Set(occurrenceCommits))]);
  const stillThere = (finding: Finding) => keysOf(finding).some((key) => atHead.has(key));
  const gone = traced.filter((finding) => !stillThere(finding) && (complete || onHead.has(introducedBy.get(finding)!.sha)));
  const removedIn = gone.length === 0 ? new Map<string, CommitInfo>() : await removals(root, secretsByPath(gone));
  const containedBy = new Map<string, readonly string[]>();
  // Asking git for every ref that contains a commit costs a walk per ref (0.3 s on a repository with 4,000 refs): only when no occurrence says.
  const unnamed = traced.filter((finding) => walkRefs(finding).length === 0);
  const askRefs = complete ? unnamed.flatMap((finding) => commitsOf(finding).map((commit) => commit.sha)) : unnamed.map((finding) => introducedBy.get(finding)!.sha);
  for (const sha of new Set(askRefs)) {
    if (onHead.has(sha)) continue;
    containedBy.set(sha, (await runGit(['for-each-ref', '--format=%(refname:short)', '--contains', sha], root)).split('\n').filter(Boolean).sort());
  }
  return { atHead: [...atHead], onHead: [...onHead], removedIn: [...removedIn], containedBy: [...containedBy] };
}

/** The history of each finding from its occurrences and what git said about them. */
export function composeHistory(findings: readonly Finding[], facts: HistoryFacts): Finding[] {
  const atHead = new Set(facts.atHead);
  const onHead = new Set(facts.onHead);
  const removedIn = new Map(facts.removedIn);
  const containedBy = new Map(facts.containedBy);
  return findings.map((finding) => {
    const commits = commitsOf(finding);
    if (commits.length === 0) return finding;
    const introduced = oldest(commits);
    const history: { -readonly [K in keyof SecretHistory]: SecretHistory[K] } = { introduced, presentAtHead: keysOf(finding).some((key) => atHead.has(key)) };
    if (!onHead.has(introduced.sha)) {
      const refs = walkRefs(finding);
      history.onlyOn = refs.length > 0 ? refs : [...(containedBy.get(introduced.sha) ?? [])];
    } else if (!history.presentAtHead) {
      const removal = keysOf(finding)
        .flatMap((key) => removedIn.get(key) ?? [])
        .find((commit) => commit.sha !== introduced.sha);
      if (removal) history.removedIn = removal;
    }
    return { ...finding, history };
  });
}

export async function attachHistory(findings: readonly Finding[], root: string): Promise<Finding[]> {
  return composeHistory(findings, await gatherHistoryFacts(findings, root));
}
