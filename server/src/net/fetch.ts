import type { Readable } from 'node:stream';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The tool call's signal: its deadline (see `callDeadline`) bounds this request, retries included. */
  signal?: AbortSignal;
  /** Follow 3xx (at most 5): https only (plain http only from a loopback origin); Authorization stays on its origin. */
  followRedirects?: boolean;
  /** Largest body accepted; more is refused rather than buffered. */
  maxBytes?: number;
  /**
   * Origin of the trusted party that named this URL (the registry whose redirect or token realm it is). The
   * destination policy judges a URL named by a configured registry as that registry's own.
   */
  namedBy?: string;
  /**
   * Leave a 2xx body unread and hand it over as `stream` (layer blobs too large to buffer); other replies are read
   * (at most 64 KiB) as usual. Never coalesced: a stream has one reader. The body lives under the request's signal.
   */
  stream?: boolean;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Final URL after redirects. */
  url: string;
  /** The unread body of a 2xx reply to a `stream` request (`body` is then empty). */
  stream?: Readable;
}

/** One round trip, as every layer sees it: non-2xx replies are returned, faults are thrown as DockerMcpError. */
export type Fetch = (request: HttpRequest) => Promise<HttpResponse>;

/** One concern around a round trip (go-containerregistry's `http.RoundTripper` wrappers). */
export type Layer = (next: Fetch) => Fetch;

/** `compose(base, a, b)` is `a(b(base))`: the first layer listed is the outermost. */
export function compose(base: Fetch, ...layers: Layer[]): Fetch {
  return layers.reduceRight<Fetch>((next, layer) => layer(next), base);
}

export function isRead(request: HttpRequest): boolean {
  return request.method === 'GET' || request.method === 'HEAD';
}

export function withoutAuthorization(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization'));
}
