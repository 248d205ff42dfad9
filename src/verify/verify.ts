/**
 * `--verify`: asks each finding's provider whether the secret still works. Off unless asked for;
 * this module is only loaded when it is. Every request passes the egress policy first, then a
 * global concurrency limit and a per-host pace; one request is sent once per run (a cache keyed by
 * the request), and answers are reduced to a status, a one-line detail and identity fields.
 */
import type { Finding, HttpVerifySpec, RuleSpec, Verification, VerifySpec } from '../types.js';
import { egressRefusal, type EgressPolicy } from './egress.js';
import { HttpFailure, send, type HttpLimits } from './http.js';
import { planHttp } from './http-verifier.js';
import { planOAuth } from './oauth.js';
import { planAwsSts } from './aws.js';
import { planVault } from './vault.js';
import { planAzureStorage } from './azure.js';
import type { Outcome, Plan, VerifyInput } from './plan.js';

export interface VerifyOptions {
  /** `--verify-allow-host` entries (`host` or `host:port`), already checked with parseAllowedHost. */
  readonly allowedHosts?: readonly string[];
  /** Per request, connect to last byte (default 10 s). */
  readonly timeoutMs?: number;
  /** Requests in flight at once (default 8). */
  readonly concurrency?: number;
  /** Least time between two requests to one host (default 100 ms: ten a second). */
  readonly hostIntervalMs?: number;
  /** Largest answer read (default 256 KiB). */
  readonly maxBodyBytes?: number;
  /** Whether a rule is one of keyleak's own (default: none is). Only their verifiers' hosts are trusted. */
  readonly isBuiltinRule?: (rule: RuleSpec) => boolean;
  /**
   * Tests only, never set by the CLI: re-points a request that the egress policy already approved
   * (to a local server that mimics the provider). The policy still judges the real URL.
   */
  readonly rewriteForTests?: (url: URL) => URL;
  /** Clock, for reports' `checkedAt`. */
  readonly now?: () => Date;
}

export const VERIFY_DEFAULTS = { timeoutMs: 10_000, concurrency: 8, hostIntervalMs: 100, maxBodyBytes: 256 * 1024 } as const;

/** At most `limit` tasks at once. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Spaces request starts to one host `interval` ms apart. */
class HostPace {
  private readonly next = new Map<string, number>();

  constructor(private readonly interval: number) {}

  async wait(host: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next.get(host) ?? 0);
    this.next.set(host, at + this.interval);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

function plan(spec: VerifySpec, input: VerifyInput): Plan {
  switch (spec.kind) {
    case 'http':
      return planHttp(spec, input);
    case 'oauth-client-credentials':
      return planOAuth(spec.provider, input);
    case 'aws-sts':
      return planAwsSts(input);
    case 'vault':
      return planVault(input);
    case 'azure-storage':
      return planAzureStorage(input);
  }
}

/** The companions of each occurrence, as verifier inputs, distinct, in occurrence order. */
function inputsOf(finding: Finding, builtinRule: boolean): VerifyInput[] {
  const seen = new Set<string>();
  const inputs: VerifyInput[] = [];
  for (const occurrence of finding.occurrences) {
    const companions = new Map<string, string>();
    for (const companion of occurrence.companions) if (!companions.has(companion.ruleId)) companions.set(companion.ruleId, companion.secret);
    const key = JSON.stringify([...companions]);
    if (seen.has(key)) continue;
    seen.add(key);
    inputs.push({ secret: finding.secret, companions, builtinRule });
  }
  return inputs;
}

/** Better answers first: a live pair wins over an occurrence whose companions were wrong. */
const RANK: Readonly<Record<Verification['status'], number>> = { live: 0, invalid: 1, error: 2, unknown: 3 };

type Attempted = Outcome & { host?: string };

/**
 * A verifier with several URLs: a provider's regional hosts asked in turn until one accepts the
 * secret (`until-live`; invalid only when every host refuses it), or several APIs all asked
 * (`all`; each that answers listed; one refusal of the key is enough to call it invalid).
 */
async function probeUrls(spec: HttpVerifySpec, attempt: (spec: HttpVerifySpec) => Promise<Attempted>): Promise<Attempted> {
  const singles = [spec.url, ...(spec.otherUrls ?? [])].map((url): HttpVerifySpec => {
    const { otherUrls: _others, probe: _probe, ...rest } = spec;
    return { ...rest, url };
  });
  const outcomes: Attempted[] = [];
  if (spec.probe === 'all') outcomes.push(...(await Promise.all(singles.map(attempt))));
  else {
    for (const single of singles) {
      const outcome = await attempt(single);
      outcomes.push(outcome);
      if (outcome.status === 'live') return outcome;
    }
  }
  const live = outcomes.flatMap((outcome, index) => (outcome.status === 'live' ? [{ outcome, url: singles[index]!.url }] : []));
  if (live.length > 0) {
    // Which API answered, by its host and path (the query holds the key).
    const answered = live.map(({ url }) => {
      const { host, pathname } = new URL(url.replace(/\$\{[^}]+\}/g, 'x'));
      return `${host}${pathname}`;
    });
    const [first] = live;
    return { ...first!.outcome, detail: `answered: ${answered.join(', ')}`, identity: { ...first!.outcome.identity, answered: answered.join(', ') } };
  }
  const invalid = outcomes.filter((outcome) => outcome.status === 'invalid');
  if (spec.probe === 'all' ? invalid.length > 0 : invalid.length === outcomes.length) return { ...invalid[0]!, detail: invalid.map((outcome) => outcome.detail).join('; ') };
  const rest = outcomes.filter((outcome) => outcome.status !== 'invalid').sort((a, b) => RANK[a.status] - RANK[b.status]);
  return { ...rest[0]!, detail: outcomes.map((outcome) => outcome.detail).join('; ') };
}

/** A verifier for each finding, run under the egress policy; findings come back with `verification`. */
export async function verifyFindings(findings: readonly Finding[], rules: readonly RuleSpec[], options: VerifyOptions = {}): Promise<Finding[]> {
  const policy: EgressPolicy = { allowedHosts: options.allowedHosts ?? [] };
  const limits: HttpLimits = { timeoutMs: options.timeoutMs ?? VERIFY_DEFAULTS.timeoutMs, maxBodyBytes: options.maxBodyBytes ?? VERIFY_DEFAULTS.maxBodyBytes };
  const limiter = new Limiter(options.concurrency ?? VERIFY_DEFAULTS.concurrency);
  const pace = new HostPace(options.hostIntervalMs ?? VERIFY_DEFAULTS.hostIntervalMs);
  const cache = new Map<string, Promise<Outcome & { host?: string }>>();
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const now = options.now ?? (() => new Date());

  const attempt = (input: VerifyInput, spec: VerifySpec): Promise<Outcome & { host?: string }> => {
    const planned = plan(spec, input);
    if (planned.kind === 'unknown') return Promise.resolve({ status: 'unknown', detail: planned.detail });
    const { request } = planned;
    const refusal = egressRefusal(request.url, planned.origin, policy);
    if (refusal !== undefined) return Promise.resolve({ status: 'unknown', detail: `not sent: ${refusal}` });
    // The check and its inputs, not the request: a signed request differs by the second.
    const key = JSON.stringify([spec, input.secret, [...input.companions].sort(([a], [b]) => (a < b ? -1 : 1))]);
    const cached = cache.get(key);
    if (cached) return cached;
    const host = request.url.host;
    const pending = limiter.run(async () => {
      await pace.wait(host);
      const target = options.rewriteForTests ? options.rewriteForTests(request.url) : request.url;
      try {
        const answer = await send({ ...request, url: target }, limits);
        if (answer.status >= 300 && answer.status < 400) {
          const location = answer.headers['location'];
          let to = 'elsewhere';
          try {
            if (location !== undefined) to = new URL(location, request.url).host;
          } catch {
            // An unreadable Location is still a redirect that is not followed.
          }
          return { status: 'error' as const, detail: `${host} redirected to ${to === host ? 'another path' : to} (HTTP ${answer.status}); redirects are never followed`, host };
        }
        return { ...planned.interpret(answer), host };
      } catch (error) {
        if (error instanceof HttpFailure) return { status: 'error' as const, detail: `${host}: ${error.message}`, host };
        throw error;
      }
    });
    cache.set(key, pending);
    return pending;
  };

  return Promise.all(
    findings.map(async (finding): Promise<Finding> => {
      const rule = byId.get(finding.ruleId);
      if (rule?.verify === undefined) return { ...finding, verification: { status: 'unknown', checkedAt: now().toISOString(), detail: 'no verifier for this rule' } };
      const spec = rule.verify;
      const builtin = options.isBuiltinRule?.(rule) ?? false;
      // Occurrences with different companions are tried in turn until one gives a definite answer.
      let best: (Outcome & { host?: string }) | undefined;
      for (const input of inputsOf(finding, builtin).slice(0, 3)) {
        const outcome = spec.kind === 'http' && spec.otherUrls !== undefined ? await probeUrls(spec, (one) => attempt(input, one)) : await attempt(input, spec);
        if (best === undefined || RANK[outcome.status] < RANK[best.status]) best = outcome;
        if (outcome.status === 'live' || outcome.status === 'invalid') break;
      }
      const verification: Verification = { ...best!, checkedAt: now().toISOString() };
      return { ...finding, verification };
    }),
  );
}
