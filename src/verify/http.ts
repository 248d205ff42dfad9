/**
 * The one place keyleak opens a network connection. A request goes out only after the egress
 * policy approved its URL (verify/egress.ts); it never follows a redirect, gives up after a
 * deadline that covers connecting, headers and body, and stops reading an answer past a size limit.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'HEAD';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpLimits {
  /** The whole exchange: connect, send, headers and body. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

/** Why a request did not produce an answer, in words a report can show. */
export class HttpFailure extends Error {}

function requestOptions(request: HttpRequest, body: Buffer | undefined): http.RequestOptions {
  const { url } = request;
  return {
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    // A fresh connection per request: no pooled socket is shared between hosts or runs.
    agent: false,
    headers: {
      'user-agent': 'keyleak-verify',
      accept: 'application/json',
      ...request.headers,
      // A POST without a body says so, rather than sending an empty chunked body some APIs refuse.
      'content-length': String(body?.length ?? 0),
    },
    maxHeaderSize: 16 * 1024,
  };
}

/** Reads an answer up to `maxBodyBytes`; `finish` is called once, with an answer or a failure. */
function readAnswer(incoming: http.IncomingMessage, limits: HttpLimits, finish: (error: Error | undefined, answer?: HttpAnswer) => void): void {
  const tooLarge = () => finish(new HttpFailure(`answer larger than ${limits.maxBodyBytes} bytes`));
  if (Number(incoming.headers['content-length'] ?? '0') > limits.maxBodyBytes) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  incoming.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limits.maxBodyBytes) tooLarge();
    else chunks.push(chunk);
  });
  incoming.on('error', (error) => finish(new HttpFailure(describeNetworkError(error))));
  incoming.on('aborted', () => finish(new HttpFailure('the connection closed mid-answer')));
  incoming.on('end', () => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    finish(undefined, { status: incoming.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
  });
}

export function send(request: HttpRequest, limits: HttpLimits): Promise<HttpAnswer> {
  const transport = request.url.protocol === 'https:' ? https : http;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  return new Promise<HttpAnswer>((resolve, reject) => {
    let outgoing: http.ClientRequest | undefined;
    let settled = false;
    const finish = (error: Error | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error) {
        outgoing?.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const deadline = setTimeout(() => finish(new HttpFailure(`no answer within ${limits.timeoutMs / 1000} s`)), limits.timeoutMs);
    try {
      outgoing = transport.request(requestOptions(request, body), (incoming) => readAnswer(incoming, limits, finish));
    } catch (error) {
      // Node refuses some header values and paths outright: that is this check's failure, not the scan's.
      finish(new HttpFailure(`the request could not be made: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`));
      return;
    }
    outgoing.on('error', (error) => finish(new HttpFailure(describeNetworkError(error))));
    outgoing.end(body);
  });
}

function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      return `the TLS certificate is not trusted (${code})`;
    default:
      return code === undefined ? error.message.split('\n')[0]! : `network error ${code}`;
  }
}
