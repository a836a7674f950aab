import type { LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { DockerMcpError } from '../errors';
import type { ByteBudget } from './budget';
import type { Fetch, HttpResponse } from './fetch';

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** The error reply of a streamed request is a small JSON document; more is not worth reading. */
const STREAM_ERROR_MAX_BYTES = 64 * 1024;

export interface TransportOptions {
  budget: ByteBudget;
  /** DOCKERHUB_MCP_TIMEOUT_MS: the longest a reply's body may pause (a streamed layer may flow for longer). */
  idleTimeoutMs: number;
  /** Requests that reached the network, by host. */
  counts: Map<string, number>;
  /** Checks the addresses a name resolves to at connect time (the HTTP transport's destination policy). */
  lookup?: LookupFunction;
}

export interface Transport {
  fetch: Fetch;
  close(): Promise<void>;
}

/**
 * The bottom of every stack: one HTTP round trip with undici, no redirects followed, the body read into memory up
 * to its bound and within the process-wide byte budget. Only http and https URLs are sent anywhere.
 */
export function undiciTransport(options: TransportOptions): Transport {
  let undici: Promise<Undici> | undefined;
  const fetch: Fetch = async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new DockerMcpError('UPSTREAM_ERROR', `refused a request to a ${url.protocol.replace(':', '') || 'schemeless'} URL; only http(s) is used.`);
    }
    options.counts.set(url.host, (options.counts.get(url.host) ?? 0) + 1);
    undici ??= loadUndici(options);
    const { agent, request: undiciRequest } = await undici;
    const res = await undiciRequest.call(agent, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: request.headers ?? {},
      body: request.body,
      signal: request.signal,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (request.stream && res.statusCode >= 200 && res.statusCode < 300) {
      return { status: res.statusCode, headers, body: Buffer.alloc(0), url: request.url, stream: res.body };
    }
    const maxBytes = request.stream ? STREAM_ERROR_MAX_BYTES : (request.maxBytes ?? DEFAULT_MAX_BYTES);
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.body.destroy();
      throw new DockerMcpError('UPSTREAM_ERROR', `${url.host} sent more than ${maxBytes} bytes; refused.`);
    }
    const release = await options.budget
      .reserve(Number.isFinite(declared) ? declared : maxBytes, request.signal)
      .catch((err: unknown) => {
        res.body.destroy();
        throw err;
      });
    let body: Buffer;
    try {
      body = await readBody(res.body, maxBytes, url.host);
    } catch (err) {
      release();
      throw err;
    }
    // Given back once the caller's own continuation (its parse of the body) has run.
    setImmediate(release);
    const response: HttpResponse = { status: res.statusCode, headers, body, url: request.url };
    return response;
  };
  return { fetch, close: async () => (undici ? (await undici).agent.destroy() : undefined) };
}

interface Undici {
  agent: Agent;
  request: (typeof import('undici/lib/api/api-request.js'))['default'];
}

/**
 * undici is evaluated when the first request goes out, not at start (a server that only lists its tools never
 * needs it); and only its dispatcher and `request`: its index would also load fetch, WebSocket, mocks and caches.
 */
async function loadUndici(options: TransportOptions): Promise<Undici> {
  const [{ default: AgentClass }, { default: request }] = await Promise.all([
    import('undici/lib/dispatcher/agent.js'),
    import('undici/lib/api/api-request.js'),
  ]);
  const agent = new AgentClass({
    keepAliveTimeout: 10_000,
    connections: 16,
    bodyTimeout: options.idleTimeoutMs,
    ...(options.lookup ? { connect: { lookup: options.lookup } } : {}),
  });
  return { agent, request };
}

async function readBody(body: AsyncIterable<Buffer> & { destroy(): void }, maxBytes: number, host: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new DockerMcpError('UPSTREAM_ERROR', `${host} sent more than ${maxBytes} bytes; refused.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
