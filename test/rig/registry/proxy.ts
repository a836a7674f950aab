import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import type { TokenServer } from './tokenServer';

/*
 * The URL the server under test calls "registry-1.docker.io". It forwards to Distribution and adds what Docker Hub
 * does and Distribution 2.8 does not: rate-limit headers on manifests, sorted and paged tags/list with Link, and 307
 * redirects of blob GETs to a separate "CDN" origin. The registry's WWW-Authenticate realm already names our token
 * server (see launcher), so challenges pass through unchanged.
 */

export type RequestKind = 'manifestGet' | 'manifestHead' | 'blobGet' | 'blobHead' | 'tagsList' | 'cdnGet' | 'other';

export interface RequestCounts extends Record<RequestKind, number> {
  /** Requests the token server received (it is a separate host, like auth.docker.io). */
  token: number;
}

export interface ProxyRequestRecord {
  kind: RequestKind;
  method: string;
  /** Path and query as received. */
  path: string;
  status: number;
  authorization: 'none' | 'bearer' | 'basic' | 'other';
  /** Set when the connection closed before the reply was complete (the client gave up). */
  closedEarly?: boolean;
}

export interface RateLimitSettings {
  limit: number;
  remaining: number;
  /** Window in seconds, the `w=` of the headers; default 3600 (Docker Hub since 2025-04: pulls per hour). */
  windowSeconds?: number;
  /** Answer manifest GETs with 429 TOOMANYREQUESTS once remaining is 0; default true. */
  enforce?: boolean;
}

export interface RateLimitState extends Required<RateLimitSettings> {
  headersEnabled: boolean;
}

export interface FaultSettings {
  status: number;
  /** How many requests fail; default 1. */
  times?: number;
  /** Only requests of this kind fail; default any. */
  kind?: RequestKind;
  headers?: Record<string, string>;
}

export interface RegistryProxy {
  url: string;
  cdnUrl: string;
  counts(): RequestCounts;
  /** Clears the proxy's and the token server's request logs. */
  resetCounts(): void;
  requests(): ProxyRequestRecord[];
  setRateLimit(settings: RateLimitSettings): void;
  rateLimit(): RateLimitState;
  /** Like a paid plan: no rate-limit headers at all, and no 429. */
  disableRateLimitHeaders(): void;
  failNext(fault: FaultSettings): void;
  /** Delay before each request is handled, for timeout tests; 0 turns it off. */
  setDelay(milliseconds: number): void;
  /** CDN replies sent at this many bytes a second (64 KiB at a time); 0 turns it off. For cancelling a transfer. */
  setCdnRate(bytesPerSecond: number): void;
  /** Rate limit 100/100, headers on, no faults, no delay. */
  reset(): void;
  stop(): Promise<void>;
}

const DEFAULT_RATE_LIMIT: RateLimitState = { limit: 100, remaining: 100, windowSeconds: 3600, enforce: true, headersEnabled: true };
const RATE_LIMIT_MESSAGE =
  'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';
// What S3 answers when a presigned URL also carries an Authorization header.
const CDN_AUTH_REJECTION =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; ' +
  'only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be ' +
  'specified</Message><ArgumentName>Authorization</ArgumentName></Error>';

interface Route {
  kind: RequestKind;
  repository?: string;
  reference?: string;
}

function classify(method: string, pathname: string): Route {
  const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(pathname);
  if (manifest && (method === 'GET' || method === 'HEAD')) {
    return { kind: method === 'GET' ? 'manifestGet' : 'manifestHead', repository: manifest[1], reference: manifest[2] };
  }
  const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(pathname);
  if (blob && (method === 'GET' || method === 'HEAD')) {
    return { kind: method === 'GET' ? 'blobGet' : 'blobHead', repository: blob[1], reference: blob[2] };
  }
  const tags = /^\/v2\/(.+)\/tags\/list$/.exec(pathname);
  if (tags && method === 'GET') return { kind: 'tagsList', repository: tags[1] };
  return { kind: 'other' };
}

function authorizationScheme(headers: IncomingHttpHeaders): ProxyRequestRecord['authorization'] {
  const scheme = (headers.authorization ?? '').split(' ')[0].toLowerCase();
  return scheme === '' ? 'none' : scheme === 'bearer' || scheme === 'basic' ? scheme : 'other';
}

/** The JWT `sub` (a user name), which Hub reports as the rate-limit source for authenticated pulls. */
function tokenSubject(headers: IncomingHttpHeaders): string {
  const [scheme, token] = (headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) return '';
  try {
    return String(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).sub ?? '');
  } catch {
    return '';
  }
}

function registryError(status: number, code: string, message: string, detail?: unknown): { status: number; body: string } {
  return { status, body: JSON.stringify({ errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] }) };
}

function sendBody(response: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function withoutLengthHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const copy: OutgoingHttpHeaders = { ...headers };
  delete copy['content-length'];
  delete copy['transfer-encoding'];
  return copy;
}

/** Passes bytes on in 64 KiB pieces at `bytesPerSecond`. */
function throttle(bytesPerSecond: number): Transform {
  const PIECE = 64 * 1024;
  return new Transform({
    async transform(chunk: Buffer, _encoding, done) {
      for (let offset = 0; offset < chunk.length; offset += PIECE) {
        this.push(chunk.subarray(offset, offset + PIECE));
        await new Promise((resolve) => setTimeout(resolve, (Math.min(PIECE, chunk.length - offset) / bytesPerSecond) * 1000));
      }
      done();
    },
  });
}

export async function startRegistryProxy(options: { registryUrl: string; tokenServer: TokenServer }): Promise<RegistryProxy> {
  const registry = new URL(options.registryUrl);
  const agent = new Agent({ keepAlive: true });
  let log: ProxyRequestRecord[] = [];
  let rateLimit: RateLimitState = { ...DEFAULT_RATE_LIMIT };
  let faults: Array<Required<Omit<FaultSettings, 'kind'>> & { kind?: RequestKind }> = [];
  let delayMilliseconds = 0;
  let cdnBytesPerSecond = 0;
  let cdnUrl = '';

  function upstream(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    onResponse: (response: IncomingMessage) => void,
    onError: () => void,
  ) {
    const outgoing = httpRequest(
      { host: registry.hostname, port: registry.port, method, path, headers, agent },
      onResponse,
    );
    outgoing.on('error', onError);
    return outgoing;
  }

  function forward(request: IncomingMessage, response: ServerResponse, adjust?: (status: number, headers: OutgoingHttpHeaders) => void): void {
    const outgoing = upstream(
      request.method ?? 'GET',
      request.url ?? '/',
      request.headers,
      (reply) => {
        const headers: OutgoingHttpHeaders = { ...reply.headers };
        adjust?.(reply.statusCode ?? 502, headers);
        response.writeHead(reply.statusCode ?? 502, headers);
        reply.pipe(response);
      },
      () => failUpstream(response),
    );
    request.pipe(outgoing);
  }

  function failUpstream(response: ServerResponse): void {
    if (response.headersSent) response.destroy();
    else sendBody(response, 502, { 'content-type': 'text/plain' }, 'registry unreachable');
  }

  function rateLimitHeaders(request: IncomingMessage): OutgoingHttpHeaders {
    const window = `;w=${rateLimit.windowSeconds}`;
    return {
      'ratelimit-limit': `${rateLimit.limit}${window}`,
      'ratelimit-remaining': `${Math.max(0, rateLimit.remaining)}${window}`,
      'docker-ratelimit-source': tokenSubject(request.headers) || (request.socket.remoteAddress ?? '127.0.0.1'),
    };
  }

  function handleManifest(request: IncomingMessage, response: ServerResponse, route: Route): void {
    const isGet = route.kind === 'manifestGet';
    const authorized = request.headers.authorization !== undefined;
    if (isGet && authorized && rateLimit.headersEnabled && rateLimit.enforce && rateLimit.remaining <= 0) {
      const { status, body } = registryError(429, 'TOOMANYREQUESTS', RATE_LIMIT_MESSAGE);
      sendBody(response, status, { 'content-type': 'application/json', ...rateLimitHeaders(request) }, body);
      return;
    }
    forward(request, response, (status, headers) => {
      if (!rateLimit.headersEnabled || status === 401) return;
      if (isGet && status === 200) rateLimit.remaining = Math.max(0, rateLimit.remaining - 1);
      Object.assign(headers, rateLimitHeaders(request));
    });
  }

  function handleTagsList(request: IncomingMessage, response: ServerResponse, route: Route, url: URL): void {
    const n = url.searchParams.get('n');
    const last = url.searchParams.get('last');
    if (n !== null && !/^\d+$/.test(n)) {
      const { status, body } = registryError(400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { n });
      sendBody(response, status, { 'content-type': 'application/json; charset=utf-8' }, body);
      return;
    }
    upstream(
      'GET',
      url.pathname,
      request.headers,
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          const raw = Buffer.concat(chunks);
          if (reply.statusCode !== 200) {
            sendBody(response, reply.statusCode ?? 502, withoutLengthHeaders(reply.headers), raw);
            return;
          }
          const listing = JSON.parse(raw.toString('utf8')) as { name: string; tags: string[] | null };
          let tags = [...(listing.tags ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          if (last !== null) tags = tags.filter((tag) => tag > last);
          const headers = withoutLengthHeaders(reply.headers);
          if (n !== null) {
            const pageSize = Number(n);
            if (tags.length > pageSize && pageSize > 0) {
              const query = `last=${encodeURIComponent(tags[pageSize - 1])}&n=${pageSize}`;
              headers.link = `</v2/${route.repository}/tags/list?${query}>; rel="next"`;
            }
            tags = tags.slice(0, pageSize);
          }
          sendBody(response, 200, headers, JSON.stringify({ name: listing.name, tags }));
        });
      },
      () => failUpstream(response),
    ).end();
  }

  function handleBlobGet(request: IncomingMessage, response: ServerResponse, route: Route): void {
    upstream(
      'GET',
      request.url ?? '/',
      request.headers,
      (reply) => {
        if (reply.statusCode !== 200) {
          response.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(response);
          return;
        }
        reply.destroy();
        const hex = (route.reference ?? '').slice('sha256:'.length);
        const location =
          `${cdnUrl}/registry-v2/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data` +
          `?repository=${encodeURIComponent(route.repository ?? '')}`;
        sendBody(
          response,
          307,
          { location, 'content-type': 'text/html; charset=utf-8', 'docker-distribution-api-version': 'registry/2.0' },
          `<a href="${location}">Temporary Redirect</a>.\n\n`,
        );
      },
      () => failUpstream(response),
    ).end();
  }

  function takeFault(kind: RequestKind) {
    const index = faults.findIndex((fault) => fault.kind === undefined || fault.kind === kind);
    if (index < 0) return undefined;
    const fault = faults[index];
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  async function handleRegistry(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const route = classify(request.method ?? 'GET', url.pathname);
    record(route.kind, request, response);
    if (delayMilliseconds > 0) await new Promise((resolve) => setTimeout(resolve, delayMilliseconds));
    const fault = takeFault(route.kind);
    if (fault) {
      request.resume();
      const code = fault.status === 429 ? 'TOOMANYREQUESTS' : fault.status === 401 ? 'UNAUTHORIZED' : 'UNAVAILABLE';
      const { body } = registryError(fault.status, code, `injected fault ${fault.status}`);
      sendBody(response, fault.status, { 'content-type': 'application/json', ...fault.headers }, body);
      return;
    }
    switch (route.kind) {
      case 'manifestGet':
      case 'manifestHead':
        handleManifest(request, response, route);
        return;
      case 'tagsList':
        handleTagsList(request, response, route, url);
        return;
      case 'blobGet':
        handleBlobGet(request, response, route);
        return;
      default:
        forward(request, response);
    }
  }

  /** Logs a request for the counts; its status is filled in when the reply is sent. */
  function record(kind: ProxyRequestRecord['kind'], request: IncomingMessage, response: ServerResponse): void {
    const entry: ProxyRequestRecord = {
      kind,
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      status: 0,
      authorization: authorizationScheme(request.headers),
    };
    log.push(entry);
    response.on('finish', () => {
      entry.status = response.statusCode;
    });
    response.on('close', () => {
      if (!response.writableFinished) entry.closedEarly = true;
    });
  }

  function handleCdn(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://cdn');
    record('cdnGet', request, response);
    const blob = /^\/registry-v2\/docker\/registry\/v2\/blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(url.pathname);
    const repository = url.searchParams.get('repository');
    if (request.headers.authorization !== undefined) {
      sendBody(response, 400, { 'content-type': 'application/xml' }, CDN_AUTH_REJECTION);
      return;
    }
    if (!blob || !repository || (request.method !== 'GET' && request.method !== 'HEAD')) {
      sendBody(response, 404, { 'content-type': 'text/plain' }, 'not found');
      return;
    }
    const token = options.tokenServer.issueToken([{ type: 'repository', name: repository, actions: ['pull'] }], 'rig-cdn');
    const outgoing = upstream(
      request.method,
      `/v2/${repository}/blobs/sha256:${blob[1]}`,
      { authorization: `Bearer ${token}` },
      (reply) => {
        response.writeHead(reply.statusCode === 200 ? 200 : 404, {
          'content-type': 'application/octet-stream',
          ...(reply.headers['content-length'] ? { 'content-length': reply.headers['content-length'] } : {}),
          'accept-ranges': 'bytes',
          'cache-control': 'public, max-age=14400',
          etag: `"${blob[1].slice(0, 32)}"`,
          server: 'rig-cdn',
        });
        if (cdnBytesPerSecond > 0) reply.pipe(throttle(cdnBytesPerSecond)).pipe(response);
        else reply.pipe(response);
        response.on('close', () => reply.destroy());
      },
      () => failUpstream(response),
    );
    outgoing.end();
  }

  const registryServer: Server = createServer((request, response) => {
    handleRegistry(request, response).catch(() => failUpstream(response));
  });
  const cdnServer: Server = createServer(handleCdn);
  await Promise.all(
    [registryServer, cdnServer].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  const url = `http://127.0.0.1:${(registryServer.address() as AddressInfo).port}`;
  cdnUrl = `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`;

  function countOf(kind: RequestKind): number {
    return log.filter((record) => record.kind === kind).length;
  }

  return {
    url,
    cdnUrl,
    counts: () => ({
      manifestGet: countOf('manifestGet'),
      manifestHead: countOf('manifestHead'),
      blobGet: countOf('blobGet'),
      blobHead: countOf('blobHead'),
      tagsList: countOf('tagsList'),
      cdnGet: countOf('cdnGet'),
      other: countOf('other'),
      token: options.tokenServer.counts().total,
    }),
    resetCounts() {
      log = [];
      options.tokenServer.resetCounts();
    },
    requests: () => [...log],
    setRateLimit(settings) {
      rateLimit = { ...DEFAULT_RATE_LIMIT, ...settings, headersEnabled: true };
    },
    rateLimit: () => ({ ...rateLimit }),
    disableRateLimitHeaders() {
      rateLimit.headersEnabled = false;
    },
    failNext(fault) {
      faults.push({ times: 1, headers: {}, ...fault });
    },
    setDelay(milliseconds) {
      delayMilliseconds = milliseconds;
    },
    setCdnRate(bytesPerSecond) {
      cdnBytesPerSecond = bytesPerSecond;
    },
    reset() {
      rateLimit = { ...DEFAULT_RATE_LIMIT };
      faults = [];
      delayMilliseconds = 0;
      cdnBytesPerSecond = 0;
    },
    async stop() {
      agent.destroy();
      await Promise.all(
        [registryServer, cdnServer].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
