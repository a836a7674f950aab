import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { loadConfig } from '../../../server/src/config';
import { createLogger } from '../../../server/src/log';
import { createMcpServer } from '../../../server/src/server';
import { closeServices, createServices, type ServiceOptions, type Services } from '../../../server/src/services';
import { rig } from '../../rig/mocha-hooks';

export interface ToolOutcome {
  isError: boolean;
  /** The text content, joined. */
  text: string;
  /** structuredContent; undefined for errors. */
  structured: Record<string, any> | undefined;
}

export interface InProcessServer {
  client: Client;
  /** The very services the server uses: cache, http counts, registry client. */
  services: Services;
  /** Every log line the server wrote (stderr in production). */
  logs: string[];
  callTool(name: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  close(): Promise<void>;
}

/**
 * The real services and McpServer, configured from the rig's environment plus `env`, with an SDK Client connected
 * through the SDK's in-memory transport. No process is spawned; close() releases everything.
 */
export async function startInProcess(env: Record<string, string> = {}, options: ServiceOptions = {}): Promise<InProcessServer> {
  const config = loadConfig({ DOCKERHUB_MCP_LOG_LEVEL: 'warn', ...rig().env, ...env });
  const logs: string[] = [];
  const services = createServices(config, createLogger(config.logLevel, (line) => logs.push(line)), options);
  const server = createMcpServer(services);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'in-process-test', version: '0.0.0' });
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    services,
    logs,
    async callTool(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const content = (result.content ?? []) as { type: string; text?: string }[];
      return {
        isError: result.isError === true,
        text: content.map((part) => part.text ?? '').join('\n'),
        structured: result.structuredContent as Record<string, any> | undefined,
      };
    },
    async close() {
      await client.close();
      await server.close();
      await closeServices(services);
    },
  };
}
