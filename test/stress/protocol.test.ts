import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultProxy, FaultRecord } from '../rig/faultProxy';
import { stress } from './hooks';
import { errorCode, startServer } from './helpers/server';
import { figure, summaryRow, tally } from './helpers/summary';

/*
 * Protocol hygiene of the built server on stdio: garbage on stdin, unknown methods, cancellation reaching the
 * upstream fetch, and a clean exit when stdin closes, leaving no connection open behind it.
 */

const MALFORMED_LINES = [
  '{not json',
  ']',
  'null',
  '42',
  '"a string"',
  '[]',
  '{}',
  '{"jsonrpc":"2.0"}',
  '{"jsonrpc":"1.0","id":9001,"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":{"nested":true},"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":9002,"method":42}',
  '{"jsonrpc":"2.0","id":9003,"method":"tools/list"} trailing garbage',
  '[{"jsonrpc":"2.0","id":9004,"method":"tools/list"}]',
  '\u0000\u0001\u0002\u00ff\ufffd binary',
  '',
  '   ',
  'x'.repeat(1_000_000),
  `{"jsonrpc":"2.0","id":9005,"method":"tools/call","params":{"name":"docker_get_manifest","arguments":{"image":"${'a'.repeat(200_000)}`,
  '{"jsonrpc":"2.0","id":9006,"method":"tools/call","params":"not an object"}',
  '{"jsonrpc":"2.0","id":9007,"method":"tools/call"}',
  '{"jsonrpc":"2.0","id":9008,"result":{"unsolicited":true}}',
  '{"jsonrpc":"2.0","id":9009,"error":{"code":-32000,"message":"unsolicited"}}',
];

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - started;
}

function inFlight(proxy: FaultProxy, pathPart: string): FaultRecord[] {
  return proxy.requests().filter((record) => record.path.includes(pathPart) && record.status === 0 && !record.aborted);
}

async function openConnectionsDrop(ms: number): Promise<number> {
  const proxies = Object.values(stress().proxies);
  return waitFor(() => proxies.every((proxy) => proxy.openConnections() === 0), ms, 'every connection to the rig to close');
}

describe('protocol hygiene (built server, raw JSON-RPC on stdio)', function () {
  this.timeout(60_000);

  it('malformed lines are dropped; the server stays up and answers what follows', async () => {
    const row = summaryRow('protocol', 'malformed JSON-RPC lines');
    const server = await startServer('protocol: malformed', { env: { DOCKERHUB_MCP_LOG_LEVEL: 'warn' } });
    for (const line of MALFORMED_LINES) {
      await tally(row, async () => {
        server.writeLine(line);
        const pong = await server.request('ping', {});
        assert.deepEqual(pong.result, {}, `ping answered after ${JSON.stringify(line.slice(0, 60))}`);
      });
    }
    const tools = await server.request('tools/list', {});
    assert.ok(tools.result.tools.length > 20, 'tools/list still answered');
    const call = await server.callTool('docker_get_manifest', { image: 'demo:1.0' });
    assert.equal(call.isError, false, call.text);
    assert.deepEqual(server.strayLines, [], 'stdout carried only JSON-RPC');
    const answered = server.unexpectedReplies.map((reply) => reply.id);
    assert.ok(
      answered.every((id) => [9003, 9005, 9006, 9007].includes(id) || id === null),
      `only requests with a usable id are answered: ${JSON.stringify(answered)}`,
    );
    const forInvalidParams = server.unexpectedReplies.filter((reply) => reply.id === 9006 || reply.id === 9007);
    for (const reply of forInvalidParams) assert.equal(reply.error?.code, -32602, JSON.stringify(reply).slice(0, 200));
    const warnings = (server.stderr().match(/ignored a malformed or unexpected message/g) ?? []).length;
    assert.ok(warnings >= MALFORMED_LINES.length - 4, `each dropped line is logged on stderr (${warnings})`);
    figure(row, `${MALFORMED_LINES.length} lines, ${warnings} logged as ignored; answered ids ${JSON.stringify(answered)}`);
    assert.equal((await server.close()).code, 0);
  });

  it('unknown methods and tools get JSON-RPC errors; unknown notifications are ignored', async () => {
    const row = summaryRow('protocol', 'unknown methods, tools, notifications');
    const server = await startServer('protocol: unknown');
    await tally(row, async () => {
      const reply = await server.request('docker/unknown', {});
      assert.equal(reply.error?.code, -32601, JSON.stringify(reply));
    });
    await tally(row, async () => {
      const reply = await server.request('tools/call', { name: 'docker_no_such_tool', arguments: {} });
      assert.equal(reply.error?.code, -32602, JSON.stringify(reply));
      assert.match(reply.error.message, /docker_no_such_tool/);
    });
    await tally(row, async () => {
      server.notify('notifications/no_such_notification', { x: 1 });
      server.notify('notifications/cancelled', { requestId: 424242 });
      const reply = await server.request('resources/read', { uri: 'docker://../../etc/passwd' });
      assert.ok(reply.error, `an unknown resource is an error: ${JSON.stringify(reply).slice(0, 200)}`);
    });
    await tally(row, async () => {
      const reply = await server.request('prompts/get', { name: 'no_such_prompt' });
      assert.ok(reply.error, JSON.stringify(reply).slice(0, 200));
    });
    const call = await server.callTool('docker_cache_info', {});
    assert.equal(call.isError, false);
    assert.deepEqual(server.strayLines, []);
    assert.equal((await server.close()).code, 0);
  });

  it('notifications/cancelled aborts the upstream fetch and nothing is answered for the cancelled call', async () => {
    const { proxies } = stress();
    const row = summaryRow('protocol', 'cancel aborts the upstream fetch');
    await tally(row, async () => {
      const server = await startServer('protocol: cancel', { env: { DOCKERHUB_MCP_TIMEOUT_MS: '20000' } });
      proxies.registry.inject({ method: 'GET', path: '/manifests/1.0', times: Infinity, fault: { type: 'hang' } });
      const id = server.reserveId();
      const call = server.callTool('docker_get_manifest', { image: 'demo:1.0' }, id);
      await waitFor(() => inFlight(proxies.registry, '/manifests/1.0').length === 1, 5_000, 'the tag GET to hang at the registry');
      const cancelledAt = Date.now();
      server.notify('notifications/cancelled', { requestId: id, reason: 'the user gave up' });
      await waitFor(() => proxies.registry.requests().some((record) => record.path.endsWith('/manifests/1.0') && record.aborted), 2_000, 'the hanging GET to be aborted');
      const abortMs = Date.now() - cancelledAt;
      const settled = await Promise.race([call.then(() => 'answered'), sleep(500).then(() => 'silent')]);
      assert.equal(settled, 'silent', 'a cancelled request gets no answer');
      proxies.registry.clear();
      const next = await server.callTool('docker_get_manifest', { image: 'demo:1.0' });
      assert.equal(next.isError, false, `the next call succeeds: ${next.text}`);
      figure(row, `upstream fetch aborted ${abortMs} ms after the cancel`);
      assert.equal((await server.close()).code, 0);
    });
  });

  it('cancelling one of two identical calls does not fail the other', async () => {
    const { proxies } = stress();
    const row = summaryRow('protocol', 'cancel one of two identical calls');
    await tally(row, async () => {
      const server = await startServer('protocol: cancel shared', { env: { DOCKERHUB_MCP_TIMEOUT_MS: '20000' } });
      proxies.registry.inject({ method: 'GET', path: '/manifests/1.0', fault: { type: 'delay', ms: 600 } });
      const first = server.reserveId();
      const firstCall = server.callTool('docker_get_manifest', { image: 'demo:1.0' }, first);
      const secondCall = server.callTool('docker_get_manifest', { image: 'demo:1.0' });
      await waitFor(() => proxies.registry.requests().some((record) => record.path.endsWith('/manifests/1.0') && record.fault === 'delay'), 5_000, 'the shared GET');
      server.notify('notifications/cancelled', { requestId: first, reason: 'only this caller gave up' });
      const second = await secondCall;
      assert.equal(second.isError, false, `the other caller still gets its answer: ${second.text}`);
      const settled = await Promise.race([firstCall.then(() => 'answered'), sleep(200).then(() => 'silent')]);
      assert.equal(settled, 'silent');
      assert.equal((await server.close()).code, 0);
    });
  });

  it('stdin closed while idle: exit code 0 at once, no connection left open', async () => {
    const row = summaryRow('protocol', 'stdin closed while idle');
    await tally(row, async () => {
      const server = await startServer('protocol: close idle');
      assert.equal((await server.callTool('docker_inspect_image', { image: 'demo:1.0' })).isError, false);
      assert.equal((await server.callTool('docker_list_namespaces', {})).isError, false);
      const exit = await server.close();
      assert.deepEqual([exit.code, exit.signal], [0, null], 'exit code 0');
      const dropMs = await openConnectionsDrop(2_000);
      figure(row, `exit in ${exit.ms} ms; sockets closed ${dropMs} ms later`);
      assert.ok(exit.ms < 2_000, `exited in ${exit.ms} ms`);
    });
  });

  it('stdin closed during calls that hang upstream: exit code 0 promptly, no connection left open', async () => {
    const { proxies } = stress();
    const row = summaryRow('protocol', 'stdin closed mid-call (hung upstream)');
    await tally(row, async () => {
      const server = await startServer('protocol: close busy', { env: { DOCKERHUB_MCP_TIMEOUT_MS: '20000' } });
      proxies.registry.inject({ method: 'GET', path: '/manifests/', times: Infinity, fault: { type: 'hang' } });
      proxies.token.inject({ times: Infinity, fault: { type: 'hang' } });
      proxies.hub.inject({ times: Infinity, fault: { type: 'hang' } });
      const calls = [
        server.callTool('docker_get_manifest', { image: 'demo:1.0' }),
        server.callTool('docker_list_tags', { image: 'ghcr.io/owner/app' }),
        server.callTool('docker_get_image_details', { image: 'demo' }),
      ];
      await waitFor(
        () => inFlight(proxies.registry, '/manifests/1.0').length + inFlight(proxies.token, '/token').length + inFlight(proxies.hub, '/').length >= 3,
        5_000,
        'three hanging upstream requests',
      );
      const exit = await server.close(25_000);
      calls.forEach((call) => call.catch(() => undefined));
      assert.deepEqual([exit.code, exit.signal], [0, null], 'exit code 0');
      const dropMs = await openConnectionsDrop(2_000);
      figure(row, `exit in ${exit.ms} ms; sockets closed ${dropMs} ms later`);
      assert.ok(exit.ms < 3_000, `exited promptly, in ${exit.ms} ms, not after the 20 s timeout`);
    });
  });

  it('a call answered after a cancel of an unknown id, and errors keep the contract format', async () => {
    const row = summaryRow('protocol', 'errors keep the contract format');
    const server = await startServer('protocol: format');
    await tally(row, async () => {
      server.notify('notifications/cancelled', { requestId: 'never-sent' });
      const reply = await server.callTool('docker_get_manifest', { image: 'demo:no-such-tag' });
      assert.equal(errorCode(reply), 'NOT_FOUND', reply.text);
    });
    assert.equal((await server.close()).code, 0);
  });
});

