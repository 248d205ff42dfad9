/**
 * Web pages for the commits of a repository whose remote is on a known host, so a report reader can
 * open the commit that introduced a secret. The remote URL is the user's configuration and may carry
 * a token (`https://user:ghp_...@github.com/...`): only the host and the repository path are kept.
 */

/** Hosts whose commit pages have a known address; each host kind spells the commit page its own way. */
const KNOWN_HOSTS: Readonly<Record<string, RepositoryLinks['host']>> = {
  'github.com': 'github',
  'ssh.github.com': 'github',
  'gitlab.com': 'gitlab',
  'altssh.gitlab.com': 'gitlab',
  'bitbucket.org': 'bitbucket',
  'altssh.bitbucket.org': 'bitbucket',
  'codeberg.org': 'gitea',
};

const WEB_HOSTS: Readonly<Record<RepositoryLinks['host'], string>> = {
  github: 'github.com',
  gitlab: 'gitlab.com',
  bitbucket: 'bitbucket.org',
  gitea: 'codeberg.org',
};

/** A repository on a known host: `host` picks the commit page's address, `web` is the repository page. */
export interface RepositoryLinks {
  readonly host: 'github' | 'gitlab' | 'bitbucket' | 'gitea';
  /** `https://github.com/acme/leaky`, nothing of the remote's user, password, port or query. */
  readonly web: string;
}

/** A repository path segment as the hosts allow them; anything else is not linked. */
const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** `host` and `path` of a remote: a URL (`https://`, `ssh://`, `git://`) or scp-like syntax (`git@github.com:acme/leaky.git`). */
function hostAndPath(remote: string): { host: string; path: string } | undefined {
  const scpLike = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/\/)([^\s]+)$/.exec(remote);
  if (scpLike !== null) return { host: scpLike[1]!.toLowerCase(), path: scpLike[2]! };
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(url.protocol)) return undefined;
  return { host: url.hostname.toLowerCase(), path: decodeURIComponent(url.pathname) };
}

/** Links for a remote URL on GitHub, GitLab, Bitbucket or Codeberg; undefined for any other host or a path that does not look like a repository. */
export function repositoryLinks(remote: string): RepositoryLinks | undefined {
  const parts = hostAndPath(remote.trim());
  if (parts === undefined) return undefined;
  const host = KNOWN_HOSTS[parts.host];
  if (host === undefined) return undefined;
  const segments = parts.path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  // GitLab nests groups (`group/subgroup/project`); the others have exactly owner and name.
  const shapeFits = host === 'gitlab' ? segments.length >= 2 && segments.length <= 20 : segments.length === 2;
  if (!shapeFits || !segments.every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..')) return undefined;
  return { host, web: `https://${WEB_HOSTS[host]}/${segments.join('/')}` };
}

/** The web page of a commit, or undefined when `sha` is not a full commit id. */
export function commitUrl(links: RepositoryLinks, sha: string): string | undefined {
  if (!SHA.test(sha)) return undefined;
  switch (links.host) {
    case 'github':
    case 'gitea':
      return `${links.web}/commit/${sha}`;
    case 'gitlab':
      return `${links.web}/-/commit/${sha}`;
    case 'bitbucket':
      return `${links.web}/commits/${sha}`;
  }
}
