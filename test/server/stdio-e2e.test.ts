import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOLS } from '../../server/src/tools';
import { rig } from '../rig/mocha-hooks';

function aliceLogin(): Record<string, string> {
  const alice = rig().users.find((user) => user.username === 'alice')!;
  return { DOCKERHUB_USERNAME: alice.username, DOCKERHUB_TOKEN: alice.password };
}

const BUNDLE = join(__dirname, '..', '..', 'server', 'dist', 'index.js');

describe('built server over stdio (end to end)', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'dhm-e2e-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('lists every tool and answers docker_get_manifest through the SDK client', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BUNDLE],
      // With a login every tool can work, so every tool is listed.
      env: { ...rig().env, ...aliceLogin(), DOCKERHUB_MCP_CACHE_DIR: cacheDir, PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(
        tools.map((t) => t.name).sort(),
        TOOLS.map((t) => t.name).sort(),
      );
      for (const tool of tools) {
        assert.ok(tool.outputSchema, `${tool.name} has an outputSchema`);
        assert.ok(tool.title, `${tool.name} has a title`);
      }
      const result = await client.callTool({ name: 'docker_get_manifest', arguments: { image: 'library/demo:latest' } });
      assert.equal(result.isError, undefined);
      const platforms = JSON.stringify(result.structuredContent);
      for (const p of ['amd64', 'arm64', 'v7']) assert.ok(platforms.includes(p), `platform ${p} in ${platforms.slice(0, 300)}`);
      const bad = await client.callTool({ name: 'docker_get_manifest', arguments: { image: 'Not A Reference' } });
      assert.equal(bad.isError, true);
      assert.match((bad.content as { text: string }[])[0].text, /^INVALID_INPUT: argument "image"/);
    } finally {
      await client.close();
    }
  });

  it('writes nothing but JSON-RPC to stdout, with debug logging on, and exits 0 when stdin closes', async () => {
    const child = spawn(process.execPath, [BUNDLE], {
      env: { ...rig().env, DOCKERHUB_MCP_CACHE_DIR: cacheDir, DOCKERHUB_MCP_LOG_LEVEL: 'debug', PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines: string[] = [];
    const replies = new Map<number, unknown>();
    const waiting = new Map<number, () => void>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const message = JSON.parse(line) as { id?: number };
      if (typeof message.id === 'number') {
        replies.set(message.id, message);
        waiting.get(message.id)?.();
      }
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const call = (id: number, method: string, params: object) =>
      new Promise<unknown>((resolve) => {
        waiting.set(id, () => resolve(replies.get(id)));
        send({ jsonrpc: '2.0', id, method, params });
      });
    await call(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await call(2, 'tools/list', {});
    await call(3, 'tools/call', { name: 'docker_get_image_history', arguments: { image: 'library/demo:latest' } });
    await call(4, 'tools/call', { name: 'docker_get_manifest', arguments: { image: 'library/demo:no-such-tag' } });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    assert.equal(await exit, 0);
    assert.ok(lines.length >= 4);
    for (const line of lines) assert.equal((JSON.parse(line) as { jsonrpc: string }).jsonrpc, '2.0', line.slice(0, 200));
    const notFound = replies.get(4) as { result: { isError: boolean; content: { text: string }[] } };
    assert.equal(notFound.result.isError, true);
    assert.match(notFound.result.content[0].text, /^NOT_FOUND: /);
    assert.match(stderr, /DEBUG/, 'debug logs went to stderr');
  });

  it('run by hand on a terminal, says once on stderr that it is an MCP server waiting for a client, and how to try it', async () => {
    // `script` gives the server a pseudo-terminal as stdin, as a person running `npm start` has.
    const child = spawn('script', ['-qfec', `${process.execPath} ${BUNDLE}`, '/dev/null'], {
      env: { ...rig().env, PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let seen = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk) => {
          seen += chunk;
          if (/inspector node server\/dist\/index\.js/.test(seen)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code} before saying what it is: ${seen}`)));
      });
    } finally {
      child.kill();
    }
    assert.match(seen, /dockerhub-mcp is an MCP server: it speaks JSON-RPC on stdin\/stdout and is waiting for an MCP client/);
    assert.equal(seen.split('is an MCP server').length - 1, 1);
  });
});
