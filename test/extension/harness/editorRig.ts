// What the editor suite needs of the rig beyond its catalogue (whose web and python repositories hold the version
// lines): a loopback endpoint that lets the suite inside the extension host read (and clear) the rig's request counts, read
// where a tag points, and make Docker Hub and the registry refuse every request (rate limited) and then answer again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rig } from '../../rig/index';

/** Upstream requests since the last reset, as the rig saw them. */
export interface RigRequestCounts {
  /** Every request the registry and its token server received, by kind. */
  registry: { manifestGet: number; manifestHead: number; blobGet: number; blobHead: number; tagsList: number; cdnGet: number; token: number; other: number };
  /** Hub API requests by path and query, e.g. `/v2/namespaces/library/repositories/demo/tags?page=1&page_size=100&name=1.0`. */
  hub: Record<string, number>;
}

/** A wait far past any retry, so the server answers RATE_LIMITED at once instead of waiting. */
const REFUSAL_RETRY_AFTER_SECONDS = 3600;

export interface EditorRig {
  url: string;
  stop(): Promise<void>;
}

export async function prepareEditorRig(rig: Rig): Promise<EditorRig> {
  const server: Server = createServer((request, response) => {
    if (request.url === '/counts' && request.method === 'GET') {
      const registry = rig.registry.counts();
      const hub: Record<string, number> = {};
      for (const record of rig.hub.requests()) hub[record.path] = (hub[record.path] ?? 0) + 1;
      const { manifestGet, manifestHead, blobGet, blobHead, tagsList, cdnGet, token, other } = registry;
      const counts: RigRequestCounts = { registry: { manifestGet, manifestHead, blobGet, blobHead, tagsList, cdnGet, token, other }, hub };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
      return;
    }
    // `/tag/library/demo/1.0`: what the tag points to in the registry now, for the suite to compare facts with.
    const tag = /^\/tag\/(.+)\/([^/]+)$/.exec(request.url ?? '');
    if (tag && request.method === 'GET') {
      const entry = rig.images[decodeURIComponent(tag[1])]?.[decodeURIComponent(tag[2])];
      response.writeHead(entry ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(entry ? { digest: entry.digest } : {}));
      return;
    }
    if (request.url === '/refuse' && request.method === 'POST') {
      rig.hub.control.rateLimitNext(Infinity, { retryAfterSeconds: REFUSAL_RETRY_AFTER_SECONDS });
      rig.registry.proxy.failNext({ status: 429, times: Infinity, headers: { 'retry-after': String(REFUSAL_RETRY_AFTER_SECONDS) } });
      response.writeHead(204).end();
      return;
    }
    if (request.url === '/answer' && request.method === 'POST') {
      rig.hub.control.reset();
      rig.registry.proxy.reset();
      response.writeHead(204).end();
      return;
    }
    if (request.url === '/reset' && request.method === 'POST') {
      rig.registry.resetCounts();
      rig.hub.resetRequests();
      response.writeHead(204).end();
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
