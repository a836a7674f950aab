import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { hubApi, objectNotFound, unauthorized, type HubRequest, type Reply } from './hubApi';
import { runScoutQuery } from './scout';
import { HubState, type UserAccount } from './state';
import { TokenIssuer } from './tokens';
import type { CatalogueLike, HubControl, HubEmulator, PathFilter, RequestRecord, RigUserLike } from './types';

export type { CatalogueLike, HubControl, HubEmulator, RequestRecord, RigUserLike } from './types';

export interface HubEmulatorOptions {
  images: CatalogueLike;
  users: RigUserLike[];
  // Lifetime of issued access tokens; Hub's is 10 minutes.
  tokenLifetimeSeconds?: number;
  // When set, Hub API requests beyond this many per minute get a 429, as on Hub. Unset, the X-RateLimit-* headers
  // still count against Hub's observed 180 per minute, but nothing is refused (the shared rig must not flake).
  rateLimitPerMinute?: number;
  // Called after DELETE of a tag, e.g. to delete it from the registry rig too.
  onTagDeleted?: (repository: string, tag: string) => void | Promise<void>;
}

const scoutPath = '/v1/graphql';

type Handler = (req: HubRequest, params: Record<string, string>) => Reply | Promise<Reply>;

interface PendingRule extends PathFilter {
  remaining: number;
}

function takeRule<T extends PendingRule>(rules: T[], path: string): T | undefined {
  const rule = rules.find((r) => r.remaining > 0 && (!r.path || path.includes(r.path)));
  if (rule) rule.remaining -= 1;
  return rule;
}

function matchRoute(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 1) {
    if (parts[i].startsWith(':')) params[parts[i].slice(1)] = segments[i];
    else if (parts[i] !== segments[i]) return null;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHubEmulator(opts: HubEmulatorOptions): Promise<HubEmulator> {
  const state = new HubState(opts.images, opts.users);
  const tokens = new TokenIssuer(opts.tokenLifetimeSeconds ?? 600);
  const rateLimit = opts.rateLimitPerMinute ?? 180;
  const enforceRateLimit = opts.rateLimitPerMinute !== undefined;
  let authTokenEndpointDisabled = false;
  let slowMs = 0;
  let recorded: RequestRecord[] = [];
  const cutRules: PendingRule[] = [];
  const failRules: (PendingRule & { status: number })[] = [];
  const rateLimitRules: (PendingRule & { retryAfterSeconds?: number; xRetryAfterUnix?: number })[] = [];
  let windowStartMs = Date.now();
  let usedInWindow = 0;

  const api = hubApi({
    state,
    tokens,
    authTokenEndpointDisabled: () => authTokenEndpointDisabled,
    onTagDeleted: opts.onTagDeleted,
  });
  const routes: [string, string, Handler][] = [
    ['POST', 'v2/auth/token', api.accessToken],
    ['POST', 'v2/users/login', api.legacyLogin],
    ['GET', 'v2/user', api.currentUser],
    ['GET', 'v2/user/orgs', api.userOrgs],
    ['GET', 'v2/users/:name', api.userProfile],
    ['GET', 'v2/orgs/:name', api.orgProfile],
    ['GET', 'v2/search/repositories', api.searchV2],
    ['GET', 'api/search/v4', api.searchV4],
    ['POST', 'v2/repositories', api.createRepository],
    ['GET', 'v2/repositories/:ns', api.listRepositories],
    ['GET', 'v2/repositories/:ns/:repo', api.getRepository],
    ['PATCH', 'v2/repositories/:ns/:repo', api.updateRepository],
    ['GET', 'v2/repositories/:ns/:repo/tags', api.listTags],
    ['GET', 'v2/repositories/:ns/:repo/tags/:tag', api.getTag],
    ['DELETE', 'v2/repositories/:ns/:repo/tags/:tag', api.deleteTag],
    ['GET', 'v2/namespaces/:ns/repositories', api.listRepositories],
    ['POST', 'v2/namespaces/:ns/repositories', api.createRepository],
    ['GET', 'v2/namespaces/:ns/repositories/:repo', api.getRepository],
    ['PATCH', 'v2/namespaces/:ns/repositories/:repo', api.updateRepository],
    ['GET', 'v2/namespaces/:ns/repositories/:repo/tags', api.listTags],
    ['GET', 'v2/namespaces/:ns/repositories/:repo/tags/:tag', api.getTag],
  ];

  function hubRateLimitHeaders(): { headers: Record<string, string>; exceeded: boolean } {
    const now = Date.now();
    if (now - windowStartMs >= 60_000) {
      windowStartMs = now;
      usedInWindow = 0;
    }
    usedInWindow += 1;
    const resetUnix = Math.ceil((windowStartMs + 60_000) / 1000);
    return {
      headers: {
        'X-RateLimit-Limit': String(rateLimit),
        'X-RateLimit-Remaining': String(Math.max(0, rateLimit - usedInWindow)),
        'X-RateLimit-Reset': String(resetUnix),
      },
      exceeded: enforceRateLimit && usedInWindow > rateLimit,
    };
  }

  function send(res: ServerResponse, method: string, reply: Reply, extraHeaders: Record<string, string> = {}): void {
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const headers: Record<string, string> = { ...extraHeaders, ...reply.headers };
    if (reply.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : body);
  }

  // Returns the viewer, null for anonymous, or 'invalid' when a token was sent but is not (or no longer) valid.
  function viewerOf(req: IncomingMessage): UserAccount | null | 'invalid' {
    const header = req.headers.authorization;
    if (!header) return null;
    const match = /^(?:Bearer|JWT)\s+(\S+)$/i.exec(header);
    const holder = match ? tokens.verify(match[1]) : null;
    return holder ? state.users.get(holder.username) ?? 'invalid' : 'invalid';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname + url.search;
    const rawBody = await readBody(req);
    recorded.push({ method, path, auth: Boolean(req.headers.authorization) });
    if (slowMs > 0) await delay(slowMs);

    if (takeRule(cutRules, path)) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '4096' });
      res.write('{"count":1,"next":null,"previous":null,"results":[{"na', () => res.destroy());
      return;
    }
    const failure = takeRule(failRules, path);
    if (failure) {
      send(res, method, { status: failure.status, body: { message: `emulated failure (${failure.status})`, errinfo: {} } });
      return;
    }
    const limited = takeRule(rateLimitRules, path);
    if (limited) {
      const headers: Record<string, string> = {
        'X-RateLimit-Limit': String(rateLimit), 'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + (limited.retryAfterSeconds ?? 1)),
      };
      if (limited.retryAfterSeconds !== undefined || limited.xRetryAfterUnix === undefined) {
        headers['Retry-After'] = String(limited.retryAfterSeconds ?? 1);
      }
      if (limited.xRetryAfterUnix !== undefined) headers['X-Retry-After'] = String(limited.xRetryAfterUnix);
      send(res, method, { status: 429, body: { message: 'Too Many Requests', errinfo: {} } }, headers);
      return;
    }

    let body: unknown;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        send(res, method, { status: 400, body: { fields: {}, text: 'JSON parse error' } });
        return;
      }
    }
    const viewer = viewerOf(req);
    state.sync();

    if (url.pathname === scoutPath) {
      if (method !== 'POST') {
        send(res, method, { status: 405, body: { errors: [{ message: 'Only POST is served.' }] } });
      } else if (viewer === null || viewer === 'invalid') {
        send(res, method, {
          status: 401,
          body: { errors: [{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED', status: 401 } }] },
        });
      } else {
        send(res, method, runScoutQuery(state, body));
      }
      return;
    }

    const limit = hubRateLimitHeaders();
    if (limit.exceeded) {
      const retryAfter = String(Math.max(1, Number(limit.headers['X-RateLimit-Reset']) - Math.floor(Date.now() / 1000)));
      send(res, method, { status: 429, body: { message: 'Too Many Requests', errinfo: {} } },
        { ...limit.headers, 'Retry-After': retryAfter });
      return;
    }
    const isLogin = url.pathname.startsWith('/v2/auth/token') || url.pathname.startsWith('/v2/users/login');
    if (viewer === 'invalid' && !isLogin) {
      send(res, method, unauthorized(), limit.headers);
      return;
    }
    const segments = url.pathname.replace(/^\/+|\/+$/g, '').split('/').map(decodeURIComponent);
    const routeMethod = method === 'HEAD' ? 'GET' : method;
    let pathKnown = false;
    for (const [routeMethodName, pattern, handler] of routes) {
      const params = matchRoute(pattern, segments);
      if (!params) continue;
      pathKnown = true;
      if (routeMethodName !== routeMethod) continue;
      const hubRequest: HubRequest = {
        url, base: `http://${req.headers.host}`, viewer: viewer === 'invalid' ? null : viewer, body,
      };
      send(res, method, await handler(hubRequest, params), limit.headers);
      return;
    }
    send(res, method, pathKnown
      ? { status: 405, body: { detail: `Method "${method}" not allowed.` } }
      : objectNotFound(), limit.headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`hub emulator: ${String((error as Error)?.stack ?? error)}\n`);
      if (!res.headersSent) send(res, req.method ?? 'GET', { status: 500, body: { message: 'internal error', errinfo: {} } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const control: HubControl = {
    reset: () => {
      cutRules.length = 0;
      failRules.length = 0;
      rateLimitRules.length = 0;
      slowMs = 0;
      authTokenEndpointDisabled = false;
    },
    expireTokens: () => tokens.expireAll(),
    rateLimitNext: (n, rule = {}) => { rateLimitRules.push({ remaining: n, ...rule }); },
    failNext: (n, status, rule = {}) => { failRules.push({ remaining: n, status, ...rule }); },
    slow: (ms) => { slowMs = ms; },
    cutNext: (n, rule = {}) => { cutRules.push({ remaining: n, ...rule }); },
    disableAuthTokenEndpoint: (disabled) => { authTokenEndpointDisabled = disabled; },
  };

  return {
    url,
    scoutUrl: `${url}${scoutPath}`,
    control,
    requests: () => [...recorded],
    resetRequests: () => { recorded = []; },
    issuedTokens: () => [...tokens.issued],
    stop: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
