// The window's one connection to the bundled server (VS Code starts its own for Copilot): an MCP client over stdio
// shared by the explorer, the commands and the editor features. Nothing here imports vscode, so the webview tests
// drive exactly this code.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ToolName } from '../../server/src/contract';
import { parseToolError, type ReplyError, type ToolArguments, type ToolValue } from '../../webview/src/protocol';

/** The part of vscode.LogOutputChannel the explorer uses. */
export interface ExplorerLog {
  debug(message: string): void;
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

/** One MCP progress notification of a call: `progress` of `total` (bytes, for the layer tools) and the server's words. */
export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallOptions {
  /** Asks the server for progress notifications (the request carries a progress token) and hears each one. */
  onProgress?: (update: ToolProgress) => void;
  /** Cancels the call: the server is told (notifications/cancelled) and stops, e.g. a layer download. */
  signal?: AbortSignal;
}

export interface ToolCaller {
  callTool(tool: ToolName, args: ToolArguments, options?: CallOptions): Promise<ToolOutcome>;
}

const STDERR_LINES_KEPT = 5;

/** Starts the server on first use, starts it again after it died, stops it on dispose. */
export class ServerConnection implements ToolCaller {
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

  async callTool(tool: ToolName, args: ToolArguments, options: CallOptions = {}): Promise<ToolOutcome> {
    const outcome = await this.call(tool, args, options);
    // The log channel is where "Show Log" sends people: every failure is there with what was asked.
    if (options.signal?.aborted) this.log.debug(`${describeCall(tool, args)} cancelled`);
    else if (!outcome.ok) this.log.warn(`${describeCall(tool, args)} failed: ${outcome.error.code}: ${outcome.error.message}`);
    else this.log.debug(`${describeCall(tool, args)} answered`);
    return outcome;
  }

  private async call(tool: ToolName, args: ToolArguments, options: CallOptions): Promise<ToolOutcome> {
    const { onProgress, signal } = options;
    // One retry: a server that died between calls (or during one) is started again; every explorer tool is
    // read-only or idempotent, so asking twice is safe.
    for (let attempt = 1; ; attempt++) {
      let client: Client;
      try {
        client = await this.connect();
      } catch (err) {
        return { ok: false, error: { code: 'UPSTREAM_ERROR', message: this.startFailure(err) } };
      }
      if (signal?.aborted) return { ok: false, error: cancelled(tool) };
      try {
        const result = await client.callTool({ name: tool, arguments: args }, undefined, {
          signal,
          // A layer download may stream for minutes; each progress notification shows the server is still at it.
          ...(onProgress ? { onprogress: ({ progress, total, message }) => onProgress({ progress, total, message }), resetTimeoutOnProgress: true } : {}),
        });
        const text = (result.content as Array<{ type: string; text?: string }>)
          .filter((part) => part.type === 'text')
          .map((part) => part.text ?? '')
          .join('\n');
        if (result.isError) return { ok: false, error: parseToolError(text) };
        return { ok: true, value: { structured: result.structuredContent ?? null, text } };
      } catch (err) {
        // The SDK rejects a cancelled call as a timeout; it was the caller who gave up.
        if (signal?.aborted) return { ok: false, error: cancelled(tool) };
        if (isConnectionClosed(err) && attempt === 1 && !this.disposed) {
          this.log.warn(`the server stopped during ${tool}; starting it again`);
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
        this.logServerLine(line);
      }
    });
    const client = new Client({ name: 'dockerhub-mcp-vscode', version: '1' });
    client.onclose = () => {
      if (this.generation !== generation) return;
      this.connection = undefined;
      this.pid = undefined;
      this.log.info('the server stopped; the next request starts it again');
    };
    try {
      await client.connect(transport);
    } catch (err) {
      await transport.close().catch(() => undefined);
      throw err;
    }
    this.pid = transport.pid ?? undefined;
    this.log.info(`server started (pid ${this.pid ?? '?'})`);
    return client;
  }

  /** The server writes `<time> <LEVEL> <message>`; each line goes to the log at its own level. */
  private logServerLine(line: string): void {
    const match = /^\S+ (ERROR|WARN|INFO|DEBUG) (.*)$/.exec(line);
    const text = `server: ${match ? match[2] : line}`;
    switch (match?.[1]) {
      case 'ERROR':
        return this.log.error(text);
      case 'INFO':
        return this.log.info(text);
      case 'DEBUG':
        return this.log.debug(text);
      default:
        return this.log.warn(text);
    }
  }

  private startFailure(err: unknown): string {
    const reason = this.recentStderr.at(-1) ?? (err instanceof Error ? err.message : String(err));
    return `the Docker Hub server could not start (${reason}); "Docker Hub: Show Log" has details.`;
  }
}

function isConnectionClosed(err: unknown): boolean {
  return err instanceof McpError && err.code === ErrorCode.ConnectionClosed;
}

function cancelled(tool: ToolName): ReplyError {
  return { code: 'CANCELLED', message: `${tool} was cancelled before it answered.` };
}

function callFailure(tool: ToolName, err: unknown): ReplyError {
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
    return { code: 'TIMEOUT', message: `the server did not answer ${tool} in time; try again.` };
  }
  // A tool the server does not list (its toolsets, or one that needs a sign-in).
  if (err instanceof McpError && err.code === ErrorCode.InvalidParams && /not found/i.test(err.message)) {
    return { code: 'UNSUPPORTED', message: `the server does not offer ${tool} with the current sign-in and settings.` };
  }
  if (isConnectionClosed(err)) {
    return { code: 'UPSTREAM_ERROR', message: `the server stopped while answering ${tool}; try again to start it anew.` };
  }
  const reason = err instanceof Error ? err.message : String(err);
  return { code: 'UPSTREAM_ERROR', message: `${tool} failed: ${reason.split('\n')[0]}` };
}

/** `docker_get_manifest image=nginx:1.27 platform=linux/arm64`: what a log line needs to tell one call from another. */
function describeCall(tool: ToolName, args: ToolArguments): string {
  return [tool, ...Object.entries(args).map(([name, value]) => `${name}=${String(value).slice(0, 200)}`)].join(' ');
}
