/**
 * Local stand-ins for providers' APIs, for --verify tests without the internet: HTTP and HTTPS
 * servers on 127.0.0.1 that record every request and answer as the test says. The HTTPS server
 * uses a self-signed certificate made with openssl for this run.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, type CliResult } from './cli.js';
import { afterAll, beforeAll } from 'vitest';
import { isBuiltinRule, loadRuleset } from '../../src/ruleset/load.js';
import { compileRuleset } from '../../src/ruleset/compile.js';
import { detect } from '../../src/detect/detector.js';
import { groupFindings } from '../../src/post/findings.js';
import { verifyFindings, type VerifyOptions } from '../../src/verify/verify.js';
import type { Finding, RulesetSpec } from '../../src/types.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly json?: unknown;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (a slow provider). */
  readonly delayMs?: number;
}

export type Handler = (request: SeenRequest) => Answer;

export interface ProviderServer {
  readonly port: number;
  readonly origin: string;
  readonly requests: SeenRequest[];
  /** The most requests this server held unanswered at once since the last reset. */
  mostInFlight(): number;
  resetInFlight(): void;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** A PEM file holding the certificate, for NODE_EXTRA_CA_CERTS. */
  readonly file: string;
  remove(): void;
}

/** Whether openssl can make the HTTPS servers' certificates; the HTTPS tests skip without it (.ci/run installs it). */
export const HAS_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** A self-signed certificate for 127.0.0.1 and localhost, made now. */
export function selfSignedCertificate(): Certificate {
  const folder = mkdtempSync(path.join(tmpdir(), 'keyleak-cert-'));
  const key = path.join(folder, 'key.pem');
  const file = path.join(folder, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', file, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(file, 'utf8'), file, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

export async function providerServer(options: { readonly tls?: Certificate } = {}): Promise<ProviderServer> {
  const requests: SeenRequest[] = [];
  let handler: Handler = () => ({ status: 404, json: { error: 'not_found' } });
  let inFlight = 0;
  let most = 0;
  const listener: http.RequestListener = (incoming, outgoing) => {
    inFlight++;
    most = Math.max(most, inFlight);
    outgoing.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const seen = { method: incoming.method ?? '', url: incoming.url ?? '', headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      const answer = handler(seen);
      const send = (): void => {
        if (outgoing.destroyed) return;
        const body = answer.body ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
        outgoing.writeHead(answer.status, { ...(answer.json === undefined ? {} : { 'content-type': 'application/json' }), ...answer.headers });
        outgoing.end(body);
      };
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs).unref();
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    mostInFlight: () => most,
    resetInFlight() {
      most = inFlight;
    },
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The real CLI in a child process, without blocking this process's event loop (the provider
 * servers answer from it). `env` is added to a minimal environment.
 */
export function keyleakAsync(args: readonly string[], options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>>; readonly nodeOptions?: readonly string[] } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeOptions ?? []), BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', HOME: process.env['HOME'] ?? '/tmp', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The finding of `ruleId` in `text`, grouped as a scan of `path` groups it. */
export function findingIn(spec: RulesetSpec, text: string, path: string, ruleId: string): Finding {
  const hits = detect({ text, provenance: { kind: 'file', path } }, compileRuleset(spec)).filter((hit) => hit.ruleId === ruleId);
  return groupFindings(hits, new Map(spec.rules.map((rule) => [rule.id, rule])))[0]!;
}

/** Verifies `finding` with every provider URL sent to `server`, which gives `answer`; also returns the URLs keyleak approved. */
export async function verifyAgainst(server: ProviderServer, spec: RulesetSpec, finding: Finding, answer: Answer, options: VerifyOptions = {}): Promise<{ finding: Finding; approved: URL[] }> {
  server.requests.length = 0;
  server.handle(() => answer);
  const approved: URL[] = [];
  const [verified] = await verifyFindings([finding], spec.rules, {
    isBuiltinRule,
    ...options,
    rewriteForTests: (url) => {
      approved.push(url);
      return new URL(`${url.pathname}${url.search}`, server.origin);
    },
  });
  return { finding: verified!, approved };
}

/** A local provider server and the built-in rules for one test file, with that file's rule and path. */
export function providerHarness(path: string, ruleId: string) {
  let server: ProviderServer | undefined;
  let spec: RulesetSpec | undefined;
  beforeAll(async () => {
    server = await providerServer();
    spec = await loadRuleset();
  });
  afterAll(() => server?.close());
  const harness = {
    get server(): ProviderServer {
      return server!;
    },
    get spec(): RulesetSpec {
      return spec!;
    },
    finding: (text: string): Finding => findingIn(harness.spec, text, path, ruleId),
    verify: (finding: Finding, answer: Answer, options: VerifyOptions = {}) => verifyAgainst(harness.server, harness.spec, finding, answer, options),
  };
  return harness;
}
