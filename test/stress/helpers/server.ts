import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stress } from '../hooks';

const ROOT = join(__dirname, '..', '..', '..');
/** The bundle under test; STRESS_SERVER_BUNDLE points the suite at another build (e.g. one with a candidate fix). */
export const BUNDLE = process.env.STRESS_SERVER_BUNDLE ?? join(ROOT, 'server', 'dist', 'index.js');

export interface JsonRpcError {
  code: number;
  message: string;
}

export interface ToolReply {
  /** JSON-RPC id of the call. */
  id: number;
  isError: boolean;
  /** Text content, joined. */
  text: string;
  structured?: Record<string, any>;
  /** A protocol-level error instead of a tool result. */
  rpcError?: JsonRpcError;
  ms: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Everything every server of this run wrote, for the canary check at the end. */
export const transcripts: { label: string; stdout: () => string; stderr: () => string; replies: () => string }[] = [];

/**
 * The built server (server/dist/index.js) spawned over stdio and driven with raw JSON-RPC lines: the suite needs
 * what an SDK client hides (malformed lines, cancellation, the bytes of stdout, the pid).
 */
export class StdioServer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<ServerExit>;
  private stdoutText = '';
  private stderrText = '';
  private repliesText = '';
  private partial = '';
  private nextId = 1;
  private readonly waiting = new Map<number | string, (message: any) => void>();
  /** stdout lines that are not JSON-RPC 2.0. */
  readonly strayLines: string[] = [];
  /** Replies to ids nobody waits for (e.g. a cancelled request answered anyway). */
  readonly unexpectedReplies: any[] = [];

  constructor(readonly label: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [BUNDLE], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    // Decoded as a stream: a pipe chunk may end inside a multi-byte character (an emoji in a repository's
    // description), and decoding each chunk alone would turn its halves into U+FFFD in one answer and not another.
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => this.onStdout(text));
    this.child.stderr.on('data', (text: string) => (this.stderrText += text));
    // A server that dies mid-write must not take the test process with it.
    this.child.stdin.on('error', () => undefined);
    transcripts.push({ label, stdout: () => this.stdoutText, stderr: () => this.stderrText, replies: () => this.repliesText });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stdout(): string {
    return this.stdoutText;
  }

  stderr(): string {
    return this.stderrText;
  }

  private onStdout(text: string): void {
    this.stdoutText += text;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      let message: any;
      try {
        message = JSON.parse(line);
      } catch {
        this.strayLines.push(line);
        continue;
      }
      if (message?.jsonrpc !== '2.0') this.strayLines.push(line);
      if (message?.id === undefined || message.method !== undefined) continue;
      const resolve = this.waiting.get(message.id);
      if (resolve) {
        this.waiting.delete(message.id);
        resolve(message);
      } else {
        this.unexpectedReplies.push(message);
      }
    }
  }

  writeLine(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  notify(method: string, params?: unknown): void {
    this.writeLine(JSON.stringify({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) }));
  }

  /** Sends a request and resolves with the whole JSON-RPC reply. */
  request(method: string, params?: unknown, id: number = this.nextId++): Promise<any> {
    const reply = new Promise<any>((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.exited.then((exit) => {
        if (this.waiting.delete(id)) reject(new Error(`${this.label} exited (${exit.code ?? exit.signal}) before answering ${method} #${id}`));
      });
    });
    this.writeLine(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    return reply;
  }

  /** An id for a request the caller writes itself (see `request`), without sending anything. */
  reserveId(): number {
    return this.nextId++;
  }

  async initialize(): Promise<void> {
    const reply = await this.request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'stress', version: '1.0.0' },
    });
    if (!reply.result) throw new Error(`initialize failed: ${JSON.stringify(reply).slice(0, 300)}`);
    this.notify('notifications/initialized');
  }

  async callTool(name: string, args?: unknown, id?: number): Promise<ToolReply> {
    const started = Date.now();
    const params = args === undefined ? { name } : { name, arguments: args };
    const message = await this.request('tools/call', params, id);
    this.repliesText += `${JSON.stringify(message)}\n`;
    const ms = Date.now() - started;
    if (message.error) return { id: message.id, isError: true, text: String(message.error.message ?? ''), rpcError: message.error, ms };
    const content = (message.result?.content ?? []) as { text?: string }[];
    return {
      id: message.id,
      isError: message.result?.isError === true,
      text: content.map((part) => part.text ?? '').join('\n'),
      structured: message.result?.structuredContent,
      ms,
    };
  }

  /** Resident set size of the server process, in MiB (Linux /proc). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  }

  /** Closes stdin and waits for the exit; kills the process if it has not gone within `graceMs`. */
  async close(graceMs = 10_000): Promise<ServerExit & { ms: number }> {
    const started = Date.now();
    if (this.alive) this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, ms: Date.now() - started };
  }
}

const running = new Set<StdioServer>();

export interface StartOptions {
  /** Replaces or adds environment variables; `undefined` removes one. */
  env?: Record<string, string | undefined>;
}

/** The built server against the stress rig (fault proxies in front), logged in as alice with the canary PAT, debug logs. */
export async function startServer(label: string, options: StartOptions = {}): Promise<StdioServer> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...stress().env, ...options.env })) if (value !== undefined) env[name] = value;
  const server = new StdioServer(label, env);
  running.add(server);
  server.exited.then(() => running.delete(server));
  await server.initialize();
  return server;
}

/** Stops every server a test left running (root afterEach). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.close(5_000)));
}

let built = false;

/** Builds server/dist/index.js once per run, from the sources as they are now. */
export function buildServerOnce(): void {
  if (built) return;
  const build = spawnSync(process.execPath, ['esbuild.mjs', 'server'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`the server bundle does not build: ${build.stderr}`);
  built = true;
}

/** `CODE` of an error reply (`CODE: sentence`), or undefined for a success or a malformed error text. */
export function errorCode(reply: ToolReply): string | undefined {
  if (!reply.isError) return undefined;
  return /^([A-Z_]+): \S/.exec(reply.text)?.[1];
}
