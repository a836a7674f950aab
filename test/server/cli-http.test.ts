import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SERVER_BUNDLE, startHttpServer, type HttpServerProcess } from './helpers/httpServer';

const TOKEN = 'http-transport-test-token-0123456789';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [SERVER_BUNDLE, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', input: '' });
}

function post(url: string, headers: Record<string, string>, body: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
});

describe('command line', () => {
  it('--help and --version print and exit 0', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--transport stdio\|http/);
    const version = run(['--version']);
    assert.equal(version.status, 0);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('an unknown flag or a bad environment value exits 2 with a one-line reason', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--frobnicate'], {}, /unknown flag "--frobnicate"/],
      [['--transport', 'carrier-pigeon'], {}, /--transport must be stdio or http/],
      [[], { DOCKERHUB_MCP_CACHE_MAX_MB: 'lots' }, /DOCKERHUB_MCP_CACHE_MAX_MB must be a whole number/],
      [[], { DOCKERHUB_API_URL: 'http://hub.example.com' }, /DOCKERHUB_API_URL must use https/],
      [[], { DOCKERHUB_MCP_LOG_LEVEL: 'loud' }, /DOCKERHUB_MCP_LOG_LEVEL must be one of/],
      [[], { DOCKERHUB_MCP_REGISTRY_ENDPOINTS: 'ghcr.io' }, /entries must be host=url/],
      [['--transport', 'http', '--port', '0'], {}, /refusing to serve HTTP without DOCKERHUB_MCP_HTTP_TOKEN/],
    ];
    for (const [args, env, reason] of cases) {
      const result = run(args, env);
      assert.equal(result.status, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${result.stderr}`);
      assert.match(result.stderr, reason);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.stdout, '');
    }
  });
});

describe('streamable HTTP transport', () => {
  let server: HttpServerProcess;
  before(async () => {
    server = await startHttpServer(['--allowed-origins', 'https://allowed.example'], { DOCKERHUB_MCP_HTTP_TOKEN: TOKEN });
  });
  after(() => {
    server?.child.kill('SIGTERM');
  });

  it('binds to loopback by default', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('refuses a missing or wrong bearer token with 401', async () => {
    assert.equal((await post(server.url, {}, INITIALIZE)).status, 401);
    assert.equal((await post(server.url, { authorization: `Bearer ${TOKEN}x` }, INITIALIZE)).status, 401);
    assert.equal((await post(server.url, { authorization: `Basic ${TOKEN}` }, INITIALIZE)).status, 401);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin with 403', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(server.url);
      const req = request(
        { host: u.hostname, port: u.port, path: '/mcp', method: 'POST', headers: { host: 'evil.example:80', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
        (res) => resolve(res.statusCode!),
      );
      req.on('error', reject);
      req.end(INITIALIZE);
    });
    assert.equal(status, 403);
    const foreign = await post(server.url, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' }, INITIALIZE);
    assert.equal(foreign.status, 403);
    const allowed = await post(server.url, { authorization: `Bearer ${TOKEN}`, origin: 'https://allowed.example' }, INITIALIZE);
    assert.equal(allowed.status, 200);
  });

  it('refuses a body over the size limit with 413 and bad JSON with 400', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    assert.equal((await post(server.url, { authorization: `Bearer ${TOKEN}` }, huge)).status, 413);
    assert.equal((await post(server.url, { authorization: `Bearer ${TOKEN}` }, '{not json')).status, 400);
  });

  it('answers /healthz without a token, and 404 elsewhere', async () => {
    const base = server.url.replace(/\/mcp$/, '');
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/other`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
  });

  it('serves a full tool call to the SDK client over HTTP', async () => {
    const client = new Client({ name: 'http-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }),
    );
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'docker_get_manifest'));
      const result = await client.callTool({ name: 'docker_get_manifest', arguments: { image: 'library/demo:latest' } });
      assert.equal(result.isError, undefined);
      assert.match(JSON.stringify(result.structuredContent), /arm64/);
    } finally {
      await client.close();
    }
  });

  it('--allow-unauthenticated serves without a token', async () => {
    const open = await startHttpServer(['--allow-unauthenticated']);
    try {
      assert.equal((await post(open.url, {}, INITIALIZE)).status, 200);
    } finally {
      open.child.kill('SIGTERM');
    }
  });
});
