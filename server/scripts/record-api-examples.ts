/*
 * Records the example result of every tool in docs/API.md by calling the tool with its own `example` arguments
 * against the test rig (real docker-registry + token server + Hub/Scout emulator, test/rig), through the very
 * McpServer users run. Nothing is written by hand: what the file holds is what the tools answered.
 * `npm run docs:api:record` writes docs/api-examples.json; `npm run docs:api` then renders docs/API.md from it.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ALICE_DEFAULT_PAT } from '../../test/rig/images';
import { startRig, type Rig } from '../../test/rig/index';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createMcpServer } from '../src/server';
import { closeServices, createServices } from '../src/services';
import { TOOLS } from '../src/tools';
import type { ToolDefinition } from '../src/tools/tool';
import { API_EXAMPLES_PATH } from './gen-api-docs';

/** Tools that need a login (write and account tools, Scout data), called as the rig's user alice. */
const SIGNED_IN = new Set(['docker_get_vulnerabilities', 'docker_compare_images', 'docker_list_repositories', 'docker_list_namespaces', 'docker_create_repository', 'docker_update_repository', 'docker_delete_tag']);
/** Called last, in this order: each changes what the ones before it would see. */
const LAST = ['docker_create_repository', 'docker_update_repository', 'docker_delete_tag', 'docker_cache_clear'];

export interface RecordedExamples {
  /** What answered: the rig, so readers know the data are the rig's catalogue, not Docker Hub's. */
  source: string;
  results: Record<string, Record<string, unknown>>;
}

interface Session {
  call(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function session(rig: Rig, env: Record<string, string>): Promise<Session> {
  const config = loadConfig({ DOCKERHUB_MCP_LOG_LEVEL: 'error', ...rig.env, ...env });
  const services = createServices(config, createLogger(config.logLevel, (line) => process.stderr.write(`${line}\n`)));
  const server = createMcpServer(services);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'record-api-examples', version: '0.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    async call(tool, args) {
      const result = await client.callTool({ name: tool, arguments: args });
      const text = ((result.content ?? []) as { text?: string }[]).map((part) => part.text ?? '').join('\n');
      if (result.isError || !result.structuredContent) throw new Error(`${tool} ${JSON.stringify(args)} failed against the rig: ${text}`);
      return result.structuredContent as Record<string, unknown>;
    },
    async close() {
      await client.close();
      await server.close();
      await closeServices(services);
    },
  };
}

/** Calls every tool with its example against a rig of its own and returns what each answered. */
export async function recordApiExamples(tools: ToolDefinition<any, any>[] = TOOLS): Promise<RecordedExamples> {
  const rig = await startRig();
  const anonymous = await session(rig, {});
  const alice = await session(rig, { DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
  try {
    const ordered = [
      ...tools.filter((tool) => !LAST.includes(tool.name)),
      ...LAST.flatMap((name) => tools.filter((tool) => tool.name === name)),
    ];
    const results: Record<string, Record<string, unknown>> = {};
    for (const tool of ordered) {
      const caller = SIGNED_IN.has(tool.name) ? alice : anonymous;
      results[tool.name] = await caller.call(tool.name, tool.example as Record<string, unknown>);
    }
    return {
      source: 'the test rig (test/rig): docker-registry with its token server and the Docker Hub/Scout emulator, serving the catalogue of test/rig/images.ts',
      results: Object.fromEntries(tools.map((tool) => [tool.name, results[tool.name]])),
    };
  } finally {
    await anonymous.close();
    await alice.close();
    await rig.stop();
  }
}

async function main(): Promise<void> {
  const recorded = await recordApiExamples();
  writeFileSync(API_EXAMPLES_PATH, `${JSON.stringify(recorded, null, 2)}\n`);
  process.stderr.write(`wrote ${API_EXAMPLES_PATH}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
