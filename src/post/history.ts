/**
 * For findings from history: the commit that introduced each secret, whether HEAD still holds it,
 * the commit that removed it, and the refs it lives on when HEAD never had it.
 */
import type { CommitInfo, Finding, SecretHistory } from '../types.js';
import { COMMIT_MARK, gitSucceeds, LOG_FORMAT, parseCommitHeader, runGit, streamGit } from '../sources/git.js';

function commitsOf(finding: Finding): CommitInfo[] {
  return finding.occurrences.flatMap((occurrence) => (occurrence.provenance.kind === 'git' ? [occurrence.provenance.commit] : []));
}

function oldest(commits: readonly CommitInfo[]): CommitInfo {
  return commits.reduce((best, commit) => (Date.parse(commit.date) < Date.parse(best.date) || (commit.date === best.date && commit.sha < best.sha) ? commit : best));
}

/** `git log -S` looks for one line; a multi-line secret (a PEM body) is looked for by its first. */
function searchable(secret: string): string {
  return secret.split(/\r?\n/)[0]!;
}

async function commitsChangingCount(root: string, secret: string, paths: readonly string[]): Promise<CommitInfo[]> {
  const commits: CommitInfo[] = [];
  await streamGit(['log', `-S${searchable(secret)}`, LOG_FORMAT, 'HEAD', '--', ...paths], root, (line) => {
    if (line.startsWith(COMMIT_MARK)) commits.push(parseCommitHeader(line));
  });
  return commits;
}

export async function attachHistory(findings: readonly Finding[], root: string): Promise<Finding[]> {
  const headFiles = new Map<string, Promise<string | undefined>>();
  const headFile = (path: string) => {
    if (!headFiles.has(path)) headFiles.set(path, runGit(['show', `HEAD:${path}`], root).catch(() => undefined));
    return headFiles.get(path)!;
  };
  const reachable = new Map<string, Promise<boolean>>();
  const onHead = (sha: string) => {
    if (!reachable.has(sha)) reachable.set(sha, gitSucceeds(['merge-base', '--is-ancestor', sha, 'HEAD'], root));
    return reachable.get(sha)!;
  };

  return Promise.all(
    findings.map(async (finding): Promise<Finding> => {
      const commits = commitsOf(finding);
      if (commits.length === 0) return finding;
      const introduced = oldest(commits);
      const paths = [...new Set(finding.occurrences.map((occurrence) => occurrence.provenance.path))];
      const contents = await Promise.all(paths.map(headFile));
      const presentAtHead = contents.some((content) => content?.includes(searchable(finding.secret)) === true);
      const history: { -readonly [K in keyof SecretHistory]: SecretHistory[K] } = { introduced, presentAtHead };
      if (!(await onHead(introduced.sha))) {
        // The ref the history walk reached the commit from (free with --source); asking git for every
        // ref that contains it costs a walk per ref (0.3 s on a repository with 4,000 refs).
        const refs = [...new Set(commits.flatMap((commit) => (commit.ref === undefined ? [] : [commit.ref])))].sort();
        history.onlyOn = refs.length > 0 ? refs : (await runGit(['for-each-ref', '--format=%(refname:short)', '--contains', introduced.sha], root)).split('\n').filter(Boolean).sort();
      } else if (!presentAtHead) {
        const removal = (await commitsChangingCount(root, finding.secret, paths)).find((commit) => commit.sha !== introduced.sha);
        if (removal) history.removedIn = removal;
      }
      return { ...finding, history };
    }),
  );
}
