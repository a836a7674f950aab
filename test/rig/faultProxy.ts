import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/*
 * A loopback proxy that stands in front of one rig service (the registry proxy, the CDN, the token server, the Hub
 * emulator) and misbehaves on request: the faults a real Docker Hub, CDN or corporate proxy shows. Without a rule it
 * forwards unchanged, so a server pointed at it sees the rig as usual. Every request is logged, with whether the
 * caller gave up before the reply (a cancelled fetch shows up here as `aborted`).
 */

export type Fault =
  /** This status instead of the upstream's reply; a Retry-After or any header through `headers`. */
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string; contentType?: string }
  /** The request is read and never answered (until the rule is cleared or the proxy stops). */
  | { type: 'hang' }
  /** The connection is destroyed before any reply. */
  | { type: 'reset' }
  /** The upstream's headers (its Content-Length too) and half its body, then the connection is destroyed. */
  | { type: 'resetMidBody' }
  /** A complete reply whose body is the first half of the upstream's, Content-Length saying so. */
  | { type: 'truncate' }
  /** The upstream's status and headers with another body (an HTML error page with 200, say). */
  | { type: 'replaceBody'; body: string; contentType?: string }
  /** The upstream's reply labelled with another Content-Type. */
  | { type: 'contentType'; contentType: string }
  /** The upstream's reply with one byte changed: same length, other digest. */
  | { type: 'corrupt' }
  /** A redirect instead of the reply. */
  | { type: 'redirect'; location: string; status?: number }
  /** Waits, then forwards. */
  | { type: 'delay'; ms: number }
  /** An error reply that echoes the request's headers and body back, as some debugging proxies do. */
  | { type: 'reflect'; status: number };

export interface FaultRule {
  fault: Fault;
  /** How many requests it applies to; default 1, Infinity until cleared. */
  times?: number;
  /** Only requests whose path (with query) contains this string or matches this pattern. */
  path?: string | RegExp;
  method?: string;
}

export interface FaultRecord {
  method: string;
  /** Path and query as received. */
  path: string;
  authorization: 'none' | 'basic' | 'bearer' | 'other';
  /** The fault applied, when one was. */
  fault?: Fault['type'];
  /** Status sent to the caller; 0 when none was (hang, reset). */
  status: number;
  /** The caller closed the connection before the reply was complete. */
  aborted: boolean;
  startedAt: number;
}

export interface FaultProxy {
  name: string;
  url: string;
  /** The service behind the proxy. */
  target: string;
  inject(rule: FaultRule): void;
  /** Drops every rule and ends the requests left hanging. */
  clear(): void;
  requests(): FaultRecord[];
  resetRequests(): void;
  /** Connections from callers that are open right now. */
  openConnections(): number;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  name: string;
  target: string;
  /**
   * Origins rewritten in `WWW-Authenticate`, `Location` and `Link`, so a token realm or a CDN redirect leads through
   * another fault proxy: `{ [rig origin]: proxy origin }`.
   */
  rewrite?: Record<string, string>;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

const REWRITTEN_HEADERS = ['www-authenticate', 'location', 'link'];

function authorizationKind(headers: IncomingHttpHeaders): FaultRecord['authorization'] {
  const scheme = (headers.authorization ?? '').split(' ')[0].toLowerCase();
  return scheme === '' ? 'none' : scheme === 'basic' || scheme === 'bearer' ? scheme : 'other';
}

function matches(rule: ActiveRule, method: string, path: string): boolean {
  if (rule.remaining <= 0) return false;
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path);
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const rewrite = Object.entries(options.rewrite ?? {});
  let rules: ActiveRule[] = [];
  let log: FaultRecord[] = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  function takeRule(method: string, path: string): ActiveRule | undefined {
    const rule = rules.find((candidate) => matches(candidate, method, path));
    if (rule) rule.remaining -= 1;
    return rule;
  }

  function rewritten(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = { ...headers };
    for (const name of REWRITTEN_HEADERS) {
      const value = out[name];
      if (typeof value !== 'string') continue;
      out[name] = rewrite.reduce((text, [from, to]) => text.split(from).join(to), value);
    }
    return out;
  }

  function forward(request: IncomingMessage, body: Buffer): Promise<{ status: number; headers: OutgoingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers, agent },
        (reply) => {
          readAll(reply).then(
            (replyBody) => resolve({ status: reply.statusCode ?? 502, headers: rewritten(reply.headers), body: replyBody }),
            reject,
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  function send(response: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer | string, method: string): void {
    const copy: OutgoingHttpHeaders = { ...headers };
    delete copy['transfer-encoding'];
    if (method !== 'HEAD' || copy['content-length'] === undefined) copy['content-length'] = Buffer.byteLength(body);
    response.writeHead(status, copy);
    response.end(method === 'HEAD' ? undefined : body);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const record: FaultRecord = {
      method,
      path,
      authorization: authorizationKind(request.headers),
      status: 0,
      aborted: false,
      startedAt: Date.now(),
    };
    log.push(record);
    response.on('finish', () => (record.status = response.statusCode));
    response.on('close', () => {
      if (!response.writableFinished) record.aborted = true;
      hanging.delete(response);
    });
    const requestBody = await readAll(request);
    const rule = takeRule(method, path);
    const fault = rule?.fault;
    if (fault) record.fault = fault.type;

    switch (fault?.type) {
      case 'status':
        send(
          response,
          fault.status,
          { 'content-type': fault.contentType ?? 'application/json', ...fault.headers },
          fault.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.status}` }], message: `injected ${fault.status}` }),
          method,
        );
        return;
      case 'hang':
        hanging.add(response);
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'redirect':
        send(response, fault.status ?? 307, { location: fault.location, 'content-type': 'text/html' }, 'Temporary Redirect', method);
        return;
      case 'reflect':
        send(
          response,
          fault.status,
          { 'content-type': 'application/json' },
          JSON.stringify({
            message: `rejected ${method} ${path} with headers ${JSON.stringify(request.headers)} and body ${requestBody.toString('utf8')}`,
            detail: `authorization was ${request.headers.authorization ?? 'absent'}; body ${requestBody.toString('utf8')}`,
            errors: [{ code: 'DENIED', message: `authorization ${request.headers.authorization ?? 'absent'}` }],
          }),
          method,
        );
        return;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        break;
      default:
        break;
    }

    let upstream: { status: number; headers: OutgoingHttpHeaders; body: Buffer };
    try {
      upstream = await forward(request, requestBody);
    } catch {
      if (!response.headersSent) send(response, 502, { 'content-type': 'text/plain' }, `${options.name}: upstream unreachable`, method);
      return;
    }
    const { status, headers, body } = upstream;
    switch (fault?.type) {
      case 'resetMidBody': {
        const copy = { ...headers, 'content-length': body.length };
        delete copy['transfer-encoding'];
        response.writeHead(status, copy);
        response.write(body.subarray(0, Math.floor(body.length / 2)), () => request.socket.destroy());
        return;
      }
      case 'truncate':
        send(response, status, headers, body.subarray(0, Math.floor(body.length / 2)), method);
        return;
      case 'replaceBody':
        send(response, status, { ...headers, 'content-type': fault.contentType ?? headers['content-type'] }, fault.body, method);
        return;
      case 'contentType':
        send(response, status, { ...headers, 'content-type': fault.contentType }, body, method);
        return;
      case 'corrupt': {
        const changed = Buffer.from(body);
        if (changed.length > 0) {
          const at = Math.floor(changed.length / 2);
          // A space inside JSON stays JSON more often than not; the digest changes either way.
          changed[at] = changed[at] === 0x20 ? 0x09 : 0x20;
        }
        send(response, status, headers, changed, method);
        return;
      }
      default:
        send(response, status, headers, body, method);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { 'content-type': 'text/plain' }, 'fault proxy failure', request.method ?? 'GET');
      else response.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function endHanging(): void {
    for (const response of hanging) response.destroy();
    hanging.clear();
  }

  return {
    name: options.name,
    url,
    target: options.target,
    inject(rule) {
      rules.push({ ...rule, remaining: rule.times ?? 1 });
    },
    clear() {
      rules = [];
      endHanging();
    },
    requests: () => [...log],
    resetRequests() {
      log = [];
    },
    openConnections: () => sockets.size,
    async stop() {
      rules = [];
      endHanging();
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
