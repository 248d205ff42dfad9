/** Verification is off by default: a scan without --verify opens no socket and resolves no name. */
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree, type Tree } from '../helpers/tree.js';
import { keyleakAsync, providerServer, type ProviderServer } from '../helpers/verify-server.js';

const GUARD = ['--import', pathToFileURL(fileURLToPath(new URL('../helpers/socket-guard.mjs', import.meta.url))).href];

let server: ProviderServer;
let tree: Tree;

beforeAll(async () => {
  server = await providerServer();
  server.handle(() => ({ status: 200, json: { access_token: 'issued' } }));
  // Secrets of several providers with verifiers, and a pair whose token URL is the local server.
  tree = makeTree({
    'config/app.toml': [
      `token_url = "${server.origin}/oauth/token"`,
      'client_id = "sso-portal-7734"',
      'client_secret = "R4t8Yq2LmZ6wKp0NvB3xJc7TgF1hDs9E"',
      'GITHUB_TOKEN=ghp_1wKXmG6PqTYJsZgUzYc2LMFzm36sZ93DHfaD',
      'aws_access_key_id = AKIAINRA6JZW2HXUTESY',
      'aws_secret_access_key = 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',
      '',
    ].join('\n'),
  });
});
afterAll(async () => {
  tree.remove();
  await server.close();
});

describe('network use', () => {
  it('a scan without --verify opens no socket and looks up no name', async () => {
    for (const threads of ['1', '2']) {
      const result = await keyleakAsync(['scan', tree.root, '--format', 'json', '--threads', threads], { nodeOptions: GUARD });
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).findings.length).toBeGreaterThanOrEqual(3);
      expect(result.stderr).not.toContain('socket-guard');
    }
    expect(server.requests).toEqual([]);
  });

  it('the guard sees the connection --verify makes (so its silence above means something)', async () => {
    const result = await keyleakAsync(['scan', tree.root, '--format', 'json', '--threads', '1', '--verify', '--verify-allow-host', `127.0.0.1:${server.port}`, '--disable-rule', 'github-pat', '--disable-rule', 'aws-secret-access-key'], { nodeOptions: GUARD });
    expect(result.stderr).toContain('socket-guard: connect');
    expect(server.requests).toHaveLength(1);
  });
});
