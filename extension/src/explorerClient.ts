// The explorer's side of the bundled server: an MCP client over stdio, and the handler that answers the webview's
// requests through it. Nothing here imports vscode, so the webview test drives exactly this code.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  parseToolError,
  parseWebviewRequest,
  type ExplorerTool,
  type HostReply,
  type ReplyError,
  type ToolArguments,
  type ToolValue,
} from '../../webview/src/protocol';

/** The part of vscode.LogOutputChannel the explorer uses. */
export interface ExplorerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ServerLaunch {
  command: string;
  args: string[];
  /** The server's whole environment, asked for at each start so a changed token takes effect on restart. */
  environment: () => Promise<Record<string, string>>;
}

export type ToolOutcome = { ok: true; value: ToolValue } | { ok: false; error: ReplyError };

export interface ToolCaller {
  callTool(tool: ExplorerTool, args: ToolArguments): Promise<ToolOutcome>;
}

const STDERR_LINES_KEPT = 5;

/** Starts the server on first use, starts it again after it died, stops it on dispose. */
export class ExplorerClient implements ToolCaller {
  private connection?: Promise<Client>;
  /** Counts starts, so a late close of an old server cannot forget a newer one. */
  private generation = 0;
  private disposed = false;
  private pid?: number;
  private recentStderr: string[] = [];

  constructor(
    private readonly launch: ServerLaunch,
    private readonly log: ExplorerLog,
  ) {}

  async callTool(tool: ExplorerTool, args: ToolArguments): Promise<ToolOutcome> {
    // One retry: a server that died between calls (or during one) is started again; every explorer tool is
    // read-only or idempotent, so asking twice is safe.
    for (let attempt = 1; ; attempt++) {
      let client: Client;
      try {
        client = await this.connect();
      } catch (err) {
        return { ok: false, error: { code: 'UPSTREAM_ERROR', message: this.startFailure(err) } };
      }
      try {
        const result = await client.callTool({ name: tool, arguments: args });
        const text = (result.content as Array<{ type: string; text?: string }>)
          .filter((part) => part.type === 'text')
          .map((part) => part.text ?? '')
          .join('\n');
        if (result.isError) return { ok: false, error: parseToolError(text) };
        return { ok: true, value: { structured: result.structuredContent ?? null, text } };
      } catch (err) {
        if (isConnectionClosed(err) && attempt === 1 && !this.disposed) {
          this.log.warn(`explorer: the server stopped during ${tool}; starting it again`);
          continue;
        }
        return { ok: false, error: callFailure(tool, err) };
      }
    }
  }

  /** The running server's process id, for the log and for tests that stop it. */
  get serverPid(): number | undefined {
    return this.pid;
  }

  /** Stops the running server; the next call starts one with the environment as it is then (new token, settings). */
  async restart(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.generation++;
    this.pid = undefined;
    const client = await connection?.catch(() => undefined);
    await client?.close();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.restart();
  }

  private connect(): Promise<Client> {
    if (this.disposed) return Promise.reject(new Error('the explorer was closed'));
    if (!this.connection) {
      const generation = ++this.generation;
      this.connection = this.start(generation).catch((err) => {
        if (this.generation === generation) this.connection = undefined;
        throw err;
      });
    }
    return this.connection;
  }

  private async start(generation: number): Promise<Client> {
    const environment = await this.launch.environment();
    const transport = new StdioClientTransport({
      command: this.launch.command,
      args: this.launch.args,
      env: { ...environment, ELECTRON_RUN_AS_NODE: '1' },
      stderr: 'pipe',
    });
    this.recentStderr = [];
    transport.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.recentStderr = [...this.recentStderr, line].slice(-STDERR_LINES_KEPT);
        this.log.warn(`server: ${line}`);
      }
    });
    const client = new Client({ name: 'dockerhub-mcp-explorer', version: '1' });
    client.onclose = () => {
      if (this.generation !== generation) return;
      this.connection = undefined;
      this.pid = undefined;
      this.log.info('explorer: the server stopped; the next request starts it again');
    };
    try {
      await client.connect(transport);
    } catch (err) {
      await transport.close().catch(() => undefined);
      throw err;
    }
    this.pid = transport.pid ?? undefined;
    this.log.info(`explorer: server started (pid ${this.pid ?? '?'})`);
    return client;
  }

  private startFailure(err: unknown): string {
    const reason = this.recentStderr.at(-1) ?? (err instanceof Error ? err.message : String(err));
    return `the explorer could not start its Docker Hub MCP server (${reason}); "Docker Hub: Show Server Log" has details; then try again.`;
  }
}

function isConnectionClosed(err: unknown): boolean {
  return err instanceof McpError && err.code === ErrorCode.ConnectionClosed;
}

function callFailure(tool: ExplorerTool, err: unknown): ReplyError {
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
    return { code: 'TIMEOUT', message: `the server did not answer ${tool} in time; try again.` };
  }
  if (isConnectionClosed(err)) {
    return { code: 'UPSTREAM_ERROR', message: `the server stopped while answering ${tool}; try again to start it anew.` };
  }
  const reason = err instanceof Error ? err.message : String(err);
  return { code: 'UPSTREAM_ERROR', message: `${tool} failed: ${reason.split('\n')[0]}` };
}

/** What only the editor can do for the webview; explorerView.ts implements it with the vscode API. */
export interface ExplorerHostActions {
  copy(text: string, label: string): Promise<void>;
  openDockerfile(content: string): Promise<void>;
  openLink(url: string): Promise<void>;
}

/**
 * Answers one message from the webview. The message is untrusted: it is validated first, and anything malformed
 * or unknown gets an error reply naming the problem. This function never throws.
 */
export function createRequestHandler(
  tools: ToolCaller,
  host: ExplorerHostActions,
  log: ExplorerLog,
): (raw: unknown) => Promise<HostReply> {
  return async (raw) => {
    const parsed = parseWebviewRequest(raw);
    if (!parsed.ok) {
      log.warn(`explorer: rejected a message from the webview: ${parsed.message}`);
      return { type: 'reply', id: parsed.id, ok: false, error: { code: 'PROTOCOL', message: parsed.message } };
    }
    const request = parsed.request;
    try {
      switch (request.type) {
        case 'callTool': {
          const outcome = await tools.callTool(request.tool, request.args);
          return outcome.ok
            ? { type: 'reply', id: request.id, ok: true, value: outcome.value }
            : { type: 'reply', id: request.id, ok: false, error: outcome.error };
        }
        case 'copy':
          await host.copy(request.text, request.label);
          break;
        case 'openDockerfile':
          await host.openDockerfile(request.content);
          break;
        case 'openLink':
          await host.openLink(request.url);
          break;
      }
      return { type: 'reply', id: request.id, ok: true, value: null };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.error(`explorer: ${request.type} failed: ${reason}`);
      return { type: 'reply', id: request.id, ok: false, error: { code: 'UPSTREAM_ERROR', message: `${request.type} failed: ${reason}` } };
    }
  };
}
