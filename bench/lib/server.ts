import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Rig } from '../../test/rig';

export const ROOT = join(__dirname, '..', '..');
/** The built server; BENCH_BUNDLE points bench/before.ts at another build (an earlier commit's) for "before" figures. */
export const BUNDLE = process.env.BENCH_BUNDLE ?? join(ROOT, 'server', 'dist', 'index.js');

export interface ToolResult {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
}

export interface RunningServer {
  client: Client;
  pid: number;
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

/** The environment the built server runs with against the rig; `extra` adds or overrides variables. */
export function serverEnv(rig: Rig, extra: Record<string, string> = {}): Record<string, string> {
  return { ...rig.env, PATH: process.env.PATH ?? '', DOCKERHUB_MCP_LOG_LEVEL: 'error', ...extra };
}

/**
 * Spawns the built server and connects the SDK client over stdio; a failed tool call throws with its text.
 * `nodeArgs` go before the bundle (e.g. a --require for a probe), `serverArgs` after it (e.g. --read-only).
 */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = [], serverArgs: string[] = []): Promise<RunningServer> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [...nodeArgs, BUNDLE, ...serverArgs], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid;
  if (pid === null) throw new Error('the server process has no pid');
  return {
    client,
    pid,
    async call(name, args = {}) {
      const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as ToolResult;
      if (result.isError) {
        const text = result.content.map((part) => part.text ?? '').join(' ');
        throw new Error(`${name} ${JSON.stringify(args)} failed: ${text}${stderr ? `\nserver stderr: ${stderr.slice(-2000)}` : ''}`);
      }
      return result;
    },
    close: () => client.close(),
  };
}

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export interface UpstreamTally {
  /** Every request that reached the rig: registry (all kinds), its token server, the CDN, Hub and Scout. */
  total: number;
  /** Docker Hub counts a pull for each of these. */
  manifestGet: number;
  /** Free: what a tag points at, asked where the answer may save a pull or must be current. */
  manifestHead: number;
  registry: number;
  hub: number;
  /** `kind:count` pairs, for reports. */
  breakdown: string;
}

/** Counts requests that reached the rig since the last `reset`. */
export function upstream(rig: Rig) {
  return {
    reset(): void {
      rig.registry.resetCounts();
      rig.hub.resetRequests();
    },
    tally(): UpstreamTally {
      const counts = rig.registry.counts();
      const registry = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const hub = rig.hub.requests().length;
      const parts = Object.entries({ ...counts, hub }).filter(([, count]) => count > 0);
      return {
        total: registry + hub,
        manifestGet: counts.manifestGet,
        manifestHead: counts.manifestHead,
        registry,
        hub,
        breakdown: parts.map(([kind, count]) => `${kind} ${count}`).join(', '),
      };
    },
  };
}

/** Rig defaults with a pull limit the bench never reaches (the no-cache run makes many manifest GETs). */
export async function resetRig(rig: Rig): Promise<void> {
  await rig.reset();
  rig.registry.proxy.setRateLimit({ limit: 1_000_000, remaining: 1_000_000 });
  rig.hub.resetRequests();
}
