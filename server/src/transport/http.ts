import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isLoopbackHost, type Config } from '../config';
import { rereadHttpToken } from '../auth/credentialsFile';
import type { Logger } from '../log';

export interface HttpOptions {
  host: string;
  port: number;
  allowedOrigins: string[];
  allowedHosts: string[];
  allowUnauthenticated: boolean;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_SESSIONS = 256;
const SESSION_IDLE_MS = 30 * 60_000;

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
}

/**
 * MCP streamable HTTP at /mcp, closed by default: bearer token compared in constant time, Host checked against an
 * allow-list (DNS rebinding), Origin refused unless allowed, request bodies bounded. `/healthz` answers without auth
 * so a container HEALTHCHECK needs no secret.
 */
export async function startHttpTransport(
  createMcp: () => McpServer,
  config: Config,
  options: HttpOptions,
  log: Logger,
): Promise<RunningHttpServer> {
  if (!config.httpToken && !options.allowUnauthenticated) {
    throw new Error(
      'refusing to serve HTTP without DOCKERHUB_MCP_HTTP_TOKEN; set it, or pass --allow-unauthenticated on a trusted loopback setup',
    );
  }
  let expectedToken = config.httpToken ? sha256(config.httpToken) : undefined;
  const sessions = new Map<string, Session>();
  const allowedOrigins = new Set(options.allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()));

  // DNS rebinding: a browser tricked into calling us sends the attacker's name in Host; only known names pass.
  const knownHosts = new Set([options.host, ...options.allowedHosts, 'localhost', '127.0.0.1', '::1'].map((h) => h.toLowerCase()));
  const hostAllowed = (hostHeader: string | undefined): boolean => {
    if (!hostHeader) return false;
    try {
      return knownHosts.has(new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase());
    } catch {
      return false;
    }
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) {
      if (now - session.lastSeen > SESSION_IDLE_MS) void closeSession(id);
    }
  }, 60_000);
  sweep.unref();

  async function closeSession(id: string): Promise<void> {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.error('http transport failure', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) reply(res, 500, 'internal error');
      else res.end();
    });
  });

  /**
   * DOCKERHUB_MCP_HTTP_TOKEN_FILE rotated: the file is read again when a client's token does not match, at most once a
   * second so a client sending wrong tokens cannot make the server read the disk for each.
   */
  let lastRereadMs = 0;
  async function rotatedHttpTokenMatches(req: IncomingMessage): Promise<boolean> {
    if (!config.httpTokenFile || Date.now() - lastRereadMs < 1000) return false;
    lastRereadMs = Date.now();
    if (!(await rereadHttpToken(config))) return false;
    expectedToken = sha256(config.httpToken!);
    return bearerMatches(req.headers.authorization, expectedToken);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (!hostAllowed(req.headers.host)) return reply(res, 403, 'Host not allowed');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase()) && !sameOrigin(origin, req.headers.host)) {
      return reply(res, 403, 'Origin not allowed');
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path !== '/mcp') return reply(res, 404, 'not found; the MCP endpoint is /mcp');
    if (expectedToken && !bearerMatches(req.headers.authorization, expectedToken) && !(await rotatedHttpTokenMatches(req))) {
      res.setHeader('www-authenticate', 'Bearer realm="dockerhub-mcp"');
      return reply(res, 401, 'missing or wrong bearer token');
    }

    const sessionId = header(req, 'mcp-session-id');
    if (req.method === 'POST') {
      const body = await readJsonBody(req);
      if (body.error) return reply(res, body.status, body.error);
      if (sessionId) {
        const session = sessions.get(sessionId);
        if (!session) return reply(res, 404, 'unknown or expired session; initialize again');
        session.lastSeen = Date.now();
        await session.transport.handleRequest(req, res, body.value);
        return;
      }
      if (!isInitialize(body.value)) return reply(res, 400, 'no session: the first request must be initialize');
      if (sessions.size >= MAX_SESSIONS) return reply(res, 503, 'too many open sessions; close one and retry');
      const mcp = createMcp();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          sessions.set(id, { transport, server: mcp, lastSeen: Date.now() });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body.value);
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const session = sessionId ? sessions.get(sessionId) : undefined;
      if (!session) return reply(res, sessionId ? 404 : 400, sessionId ? 'unknown or expired session' : 'mcp-session-id header required');
      session.lastSeen = Date.now();
      await session.transport.handleRequest(req, res);
      if (req.method === 'DELETE') await closeSession(sessionId!);
      return;
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    reply(res, 405, 'method not allowed');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${boundPort}/mcp`;
  if (!isLoopbackHost(options.host)) log.warn('HTTP transport listens beyond loopback', { host: options.host });
  if (!expectedToken) log.warn('HTTP transport runs without authentication (--allow-unauthenticated)');
  process.stderr.write(`dockerhub-mcp listening on ${url}\n`);

  return {
    url,
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(closeSession));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/** A page served from the very host the request names (already allowed) is not a cross-origin caller. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Hashing both sides first makes the comparison constant-time regardless of length. */
function bearerMatches(authorization: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (!match) return false;
  return timingSafeEqual(sha256(match[1].trim()), expected);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize');
}

async function readJsonBody(req: IncomingMessage): Promise<{ value?: unknown; error?: string; status: number }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return { error: `request body larger than ${MAX_BODY_BYTES} bytes`, status: 413 };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.destroy();
      return { error: `request body larger than ${MAX_BODY_BYTES} bytes`, status: 413 };
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')), status: 200 };
  } catch {
    return { error: 'request body is not valid JSON', status: 400 };
  }
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
