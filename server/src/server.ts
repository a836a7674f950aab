import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, ListToolsRequestSchema, McpError, type CallToolRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { toDockerMcpError } from './errors';
import { redactSecrets } from './http/redact';
import { registerPrompts } from './prompts';
import { registerResources } from './resources';
import type { Services } from './services';
import { TOOLS } from './tools';
import { outputSchemaOf, parseArguments, type ToolDefinition } from './tools/tool';
import { bound, escapeControls, INLINE_MAX, safeStructured } from './untrusted';
import { boundStructured, boundText, TEXT_MAX_CHARS } from './tools/answerBound';
import { VERSION } from './version';

const INSTRUCTIONS =
  'Tools for Docker Hub and any OCI registry. Image arguments use Docker reference syntax (nginx, nginx:1.27, ' +
  'ghcr.io/owner/app:tag, name@sha256:…). Results are cached by digest, so repeating a call is cheap; manifest reads ' +
  'use HEAD first so they do not spend Docker Hub pull quota where avoidable.';

/** Builds the MCP server: the tools (listed and called here, so errors follow the contract), resources, prompts. */
export function createMcpServer(services: Services): McpServer {
  const server = new McpServer(
    { name: 'dockerhub-mcp', title: 'Docker Hub', version: VERSION },
    { capabilities: { tools: { listChanged: false }, logging: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, TOOLS, services);
  registerResources(server, services);
  registerPrompts(server);
  return server;
}

/**
 * tools/call with any params. The SDK checks the request against its own schema before our handler runs and answers
 * a malformed one (params missing, `arguments` not an object) with InvalidParams (-32602); checked against a strict
 * schema here first, the same mistake came back as an internal error (-32603).
 */
const LooseCallToolRequestSchema = z.object({ method: z.literal('tools/call'), params: z.unknown().optional() });

/**
 * Tools are served from our own handlers rather than McpServer.registerTool, because the contract wants argument
 * errors as `INVALID_INPUT: argument "x" …` tool results, which the SDK's own validation does not produce.
 */
function registerTools(server: McpServer, tools: ToolDefinition<any, any>[], services: Services): void {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  // Built on the first tools/list, not at start-up: the JSON Schema conversion is the costliest part of listing.
  let listing: ReturnType<typeof describeTools> | undefined;
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: (listing ??= describeTools(tools)) }));
  server.server.setRequestHandler(LooseCallToolRequestSchema, async (request, extra) => {
    const params = request.params as CallToolRequest['params'];
    const tool = byName.get(params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Tool ${params.name} not found`);
    return callTool(tool, params.arguments, services, extra.signal);
  });
}

export async function callTool(
  tool: ToolDefinition<any, any>,
  rawArgs: unknown,
  services: Services,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const started = Date.now();
  try {
    const args = parseArguments(tool, rawArgs);
    const result = await tool.handler(args, services, signal);
    const safe = safeStructured(outputSchemaOf(tool).parse(result) as Record<string, unknown>);
    const summary = tool.summarize(safe, args);
    const { structured, truncated } = boundStructured(safe);
    const cutNote = truncated.length > 0 ? `\n[structuredContent cut to fit: ${truncated.join('; ')}]` : '';
    const text = escapeControls(boundText(summary, TEXT_MAX_CHARS - cutNote.length)) + cutNote;
    services.log.info('tool call', { tool: tool.name, ms: Date.now() - started });
    return { content: [{ type: 'text', text }], structuredContent: structured };
  } catch (err) {
    const error = toDockerMcpError(err);
    if (error.code === 'UPSTREAM_ERROR' && !(err instanceof Error && err.name === 'DockerMcpError')) {
      services.log.error('tool failed unexpectedly', { tool: tool.name, error: err instanceof Error ? err.stack : String(err) });
    } else {
      services.log.info('tool call failed', { tool: tool.name, code: error.code, ms: Date.now() - started });
    }
    return { isError: true, content: [{ type: 'text', text: redactSecrets(bound(escapeControls(error.toText()), INLINE_MAX)) }] };
  }
}

function describeTools(tools: ToolDefinition<any, any>[]) {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(z.object(tool.input), 'input'),
    outputSchema: jsonSchema(outputSchemaOf(tool), 'output'),
    annotations: { title: tool.title, ...tool.annotations },
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): { type: 'object'; [key: string]: unknown } {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: 'object' };
}
