import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, ListToolsRequestSchema, McpError, type CallToolRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DockerMcpError, toDockerMcpError } from './errors';
import { callDeadline } from './net/deadline';
import { redactKnownSecrets, redactSecrets, redactValue } from './net/redact';
import { withRepositorySuggestion } from './hub/suggest';
import { registerPrompts } from './prompts';
import { registerResources } from './resources';
import type { Services } from './services';
import { TOOLS } from './tools';
import { withNextStep } from './tools/hints';
import { outputSchemaOf, parseArguments, type ProgressReporter, type ToolDefinition } from './tools/tool';
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
    const token = params._meta?.progressToken;
    const progress: ProgressReporter | undefined =
      token === undefined
        ? undefined
        : (done, total, message) =>
            void extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: done, total, message } })
              .catch(() => undefined);
    return callTool(tool, params.arguments, services, extra.signal, progress);
  });
}

/**
 * One tool call under one deadline (DOCKERHUB_MCP_TIMEOUT_MS from its start, retries and waits included): when it
 * passes, the call's upstream work is aborted and the caller gets TIMEOUT at once, whatever is still pending. Every
 * answer, successful or not, has the secrets the server holds or obtained redacted.
 */
export async function callTool(
  tool: ToolDefinition<any, any>,
  rawArgs: unknown,
  services: Services,
  signal: AbortSignal,
  progress?: ProgressReporter,
): Promise<CallToolResult> {
  const started = Date.now();
  const deadline = callDeadline(services.config.timeoutMs, signal);
  try {
    const args = parseArguments(tool, rawArgs);
    // Reading layers is bounded by its byte budget and an idle timeout per request, not by one deadline for the call.
    const bounded = !(typeof tool.readsLayers === 'function' ? tool.readsLayers(args) : tool.readsLayers);
    const work = tool.handler(args, services, bounded ? deadline : signal, progress);
    const result = bounded ? await untilDeadline(work, deadline, services.config.timeoutMs) : await work;
    const structured = redactValue(outputSchemaOf(tool).parse(result) as Record<string, unknown>);
    services.log.info('tool call', { tool: tool.name, ms: Date.now() - started });
    const refused = credentialsRefused(services);
    const text = redactKnownSecrets(tool.summarize(structured, args) + (refused ? `
${refused}` : ''));
    return { content: [{ type: 'text', text }], structuredContent: structured };
  } catch (err) {
    const error = withNextStep(await withRepositorySuggestion(toDockerMcpError(err), rawArgs, services.hub, deadline), tool);
    if (error.code === 'UPSTREAM_ERROR' && !(err instanceof Error && err.name === 'DockerMcpError')) {
      services.log.error('tool failed unexpectedly', { tool: tool.name, error: err instanceof Error ? err.stack : String(err) });
    } else {
      services.log.info('tool call failed', { tool: tool.name, code: error.code, ms: Date.now() - started });
    }
    return { isError: true, content: [{ type: 'text', text: redactSecrets(error.toText()) }] };
  }
}

/**
 * A refused DOCKERHUB_TOKEN does not block public data (reads go on anonymously), but every answer says so, so
 * nobody takes "public only" for "all there is".
 */
function credentialsRefused(services: Services): string | undefined {
  const problem = services.hubAuth.refusedLogin ?? services.credentials.identity('docker.io').problem;
  if (!problem) return undefined;
  return `Note: the configured Docker Hub credentials were not used, so this was read anonymously (public data only): ${problem.replace(/\.$/, '')}.`;
}

/** A layer that saw the deadline pass names the service that was slow; this long it may take to say so. */
const DEADLINE_GRACE_MS = 250;

/**
 * The handler's answer, or TIMEOUT once the call's deadline has passed: the layer that was waiting names the slow
 * service, and whatever is still pending after a short grace gets the general sentence.
 */
function untilDeadline<T>(work: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const timedOut = (deadline.reason as { name?: string } | undefined)?.name === 'TimeoutError';
      const error = timedOut
        ? new DockerMcpError('TIMEOUT', `the upstream services did not answer within ${timeoutMs} ms; try again later.`)
        : new DockerMcpError('UPSTREAM_ERROR', 'the request was cancelled.');
      grace = setTimeout(() => reject(error), DEADLINE_GRACE_MS);
    };
    if (deadline.aborted) onAbort();
    else deadline.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      deadline.removeEventListener('abort', onAbort);
      clearTimeout(grace);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err) => {
        settle();
        reject(err);
      },
    );
  });
}

function describeTools(tools: ToolDefinition<any, any>[]) {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(z.object(tool.input), 'input'),
    outputSchema: jsonSchema(z.object(tool.output), 'output'),
    annotations: { title: tool.title, ...tool.annotations },
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): { type: 'object'; [key: string]: unknown } {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: 'object' };
}
