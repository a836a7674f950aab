import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DockerMcpError } from '../../server/src/errors';
import { CircuitBreaker } from '../../server/src/net/breaker';
import { HttpClient } from '../../server/src/net/client';
import { parseRateLimit } from '../../server/src/net/rateLimit';
import { redactHeaders, redactSecrets, registerSecret } from '../../server/src/net/redact';
import { createLogger } from '../../server/src/log';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real loopback server whose behaviour each test scripts, with a count of requests per path. */
async function scriptedServer(handler: Handler): Promise<{ url: string; hits: Map<string, number>; server: Server }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

const silent = createLogger('error', () => undefined);
const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({ timeoutMs: 2000, log: silent, baseDelayMs: 5, ...extra });

describe('http stack', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
  });
  const start = async (handler: Handler) => {
    const s = await scriptedServer(handler);
    servers.push(s.server);
    return s;
  };

  it('retries a 503 with backoff and returns the later success', async () => {
    let n = 0;
    const s = await start((_req, res) => (++n < 3 ? res.writeHead(503).end() : res.writeHead(200).end('ok')));
    const res = await client().request({ method: 'GET', url: `${s.url}/x` });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok');
    assert.equal(s.hits.get('/x'), 3);
  });

  it('honours Retry-After on 429 and does not retry other 4xx', async () => {
    let n = 0;
    const s = await start((req, res) => {
      if (req.url !== '/limited') res.writeHead(404).end();
      else if (++n === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.writeHead(200).end();
    });
    const started = Date.now();
    const ok = await client().request({ method: 'GET', url: `${s.url}/limited` });
    assert.equal(ok.status, 200);
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
    const missing = await client().request({ method: 'GET', url: `${s.url}/missing` });
    assert.equal(missing.status, 404);
    assert.equal(s.hits.get('/missing'), 1);
  });

  it('returns a 429 at once when Retry-After is longer than it will wait', async () => {
    const s = await start((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const res = await client().request({ method: 'GET', url: `${s.url}/y` });
    assert.equal(res.status, 429);
    assert.equal(s.hits.get('/y'), 1);
  });

  it('does not retry writes', async () => {
    const s = await start((_req, res) => res.writeHead(503).end());
    const res = await client().request({ method: 'POST', url: `${s.url}/w`, body: '{}' });
    assert.equal(res.status, 503);
    assert.equal(s.hits.get('/w'), 1);
  });

  it('coalesces identical concurrent GETs into one request', async () => {
    const s = await start((_req, res) => setTimeout(() => res.writeHead(200).end('same'), 50));
    const http = client();
    const replies = await Promise.all(Array.from({ length: 20 }, () => http.request({ method: 'GET', url: `${s.url}/c` })));
    assert.ok(replies.every((r) => r.body.toString() === 'same'));
    assert.equal(s.hits.get('/c'), 1);
  });

  it('a cancelled caller does not cancel the others sharing its request', async () => {
    const s = await start((_req, res) => setTimeout(() => res.writeHead(200).end('done'), 100));
    const http = client();
    const controller = new AbortController();
    const cancelled = http.request({ method: 'GET', url: `${s.url}/s`, signal: controller.signal });
    const kept = http.request({ method: 'GET', url: `${s.url}/s` });
    controller.abort();
    await assert.rejects(cancelled, (e: DockerMcpError) => /cancelled/.test(e.message));
    assert.equal((await kept).body.toString(), 'done');
  });

  it('times out a reply that never comes with TIMEOUT', async () => {
    const s = await start(() => undefined);
    await assert.rejects(
      client({ timeoutMs: 200, maxRetries: 0 }).request({ method: 'GET', url: `${s.url}/hang` }),
      (e: DockerMcpError) => e.code === 'TIMEOUT' && /did not answer within 200 ms/.test(e.message),
    );
  });

  it('opens the circuit after repeated failures and refuses without calling', async () => {
    // A host is down when several of its resources fail (issue 13: one failing resource never pauses the others).
    const s = await start((_req, res) => res.writeHead(503).end());
    const http = client({ maxRetries: 0, breakerThreshold: 3, breakerCooldownMs: 60_000 });
    for (const path of ['/f', '/g', '/f']) assert.equal((await http.request({ method: 'GET', url: `${s.url}${path}` })).status, 503);
    await assert.rejects(http.request({ method: 'GET', url: `${s.url}/f` }), (e: DockerMcpError) => e.code === 'UPSTREAM_ERROR' && /paused/.test(e.message));
    assert.equal(s.hits.get('/f'), 2);
    assert.equal(s.hits.get('/g'), 1);
  });

  it('breaker lets one trial through after the cool-down and closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker(2, 1000, () => now);
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    assert.equal(typeof breaker.refuseFor(), 'number');
    now = 1500;
    assert.equal(breaker.refuseFor(), undefined, 'trial allowed');
    assert.equal(typeof breaker.refuseFor(), 'number', 'only one trial at a time');
    breaker.recordSuccess();
    assert.equal(breaker.state, 'closed');
  });

  it('follows a redirect to another origin without the Authorization header', async () => {
    let seenAuth: string | undefined = 'unset';
    const cdn = await start((req, res) => {
      seenAuth = req.headers.authorization;
      res.writeHead(200).end('blob');
    });
    const origin = await start((_req, res) => res.writeHead(307, { location: `${cdn.url}/blob` }).end());
    const res = await client().request({
      method: 'GET',
      url: `${origin.url}/v2/x/blobs/sha256:1`,
      headers: { authorization: 'Bearer secret-token-value' },
      followRedirects: true,
    });
    assert.equal(res.body.toString(), 'blob');
    assert.equal(seenAuth, undefined);
  });

  it('hands a 2xx body over unread for a stream request, and reads an error reply as usual', async () => {
    const s = await start((req, res) => (req.url === '/blob' ? res.writeHead(200).end(Buffer.alloc(100_000, 7)) : res.writeHead(404).end('{"errors":[]}')));
    const http = client();
    const [a, b] = await Promise.all([http.stream({ method: 'GET', url: `${s.url}/blob` }), http.stream({ method: 'GET', url: `${s.url}/blob` })]);
    for (const reply of [a, b]) {
      assert.equal(reply.body.length, 0);
      let size = 0;
      for await (const chunk of reply.stream!) size += (chunk as Buffer).length;
      assert.equal(size, 100_000);
    }
    assert.equal(s.hits.get('/blob'), 2, 'streams are not coalesced: each has its own reader');
    const missing = await http.stream({ method: 'GET', url: `${s.url}/gone` });
    assert.equal(missing.status, 404);
    assert.equal(missing.stream, undefined);
    assert.equal(missing.body.toString(), '{"errors":[]}');
  });

  it('refuses a body larger than allowed', async () => {
    const s = await start((_req, res) => res.writeHead(200).end(Buffer.alloc(2048)));
    await assert.rejects(
      client().request({ method: 'GET', url: `${s.url}/big`, maxBytes: 1024 }),
      (e: DockerMcpError) => e.code === 'UPSTREAM_ERROR' && /more than 1024 bytes/.test(e.message),
    );
  });

  it('records rate-limit headers from registry and Hub forms', async () => {
    const s = await start((_req, res) =>
      res.writeHead(200, { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'docker-ratelimit-source': '192.0.2.1' }).end(),
    );
    const http = client();
    await http.request({ method: 'HEAD', url: `${s.url}/m` });
    const snapshot = http.rateLimits.get(new URL(s.url).host)!;
    assert.deepEqual([snapshot.limit, snapshot.remaining, snapshot.windowSeconds, snapshot.source], [100, 76, 21600, '192.0.2.1']);
    const hub = parseRateLimit({ 'x-ratelimit-limit': '180', 'x-ratelimit-remaining': '179', 'x-ratelimit-reset': '1700000000' });
    assert.deepEqual([hub?.limit, hub?.remaining, hub?.resetAt], [180, 179, 1700000000]);
    assert.equal(parseRateLimit({}), undefined);
  });
});

describe('secret redaction', () => {
  it('removes registered secrets, PAT shapes, bearer values and JWTs', () => {
    registerSecret('my-registered-secret-123');
    const text = redactSecrets(
      'a my-registered-secret-123 b dckr_pat_AbCdEf123456 c Authorization: Bearer abc.def.ghi-jkl d eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig e {"access_token":"zzz"}',
    );
    for (const leaked of ['my-registered-secret-123', 'dckr_pat_AbCdEf123456', 'abc.def.ghi-jkl', 'eyJhbGciOiJSUzI1NiJ9', '"zzz"']) {
      assert.ok(!text.includes(leaked), `${leaked} leaked in ${text}`);
    }
    assert.deepEqual(redactHeaders({ Authorization: 'Basic YWxpY2U6cHc=', accept: 'x' }), { Authorization: '[REDACTED]', accept: 'x' });
  });
});
