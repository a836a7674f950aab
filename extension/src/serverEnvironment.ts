// How the bundled server is started: its script and its environment. Plain values in, plain values out (no
// vscode import), so the MCP definition and the explorer build the very same environment, and unit tests run
// without an editor.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export type ServerLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The settings that shape the server, as read from `dockerHub.*` (see settings.ts). */
export interface ServerSettings {
  /** Docker ID (or organisation name for an organisation access token); '' when unset. */
  username: string;
  /** Registry host as written in image references → base URL. */
  registryEndpoints: Record<string, string>;
  cacheMaxMb: number;
  logLevel: ServerLogLevel;
  /** '' leaves the server's default (Docker Hub itself). */
  hubApiUrl: string;
  registryUrl: string;
  scoutUrl: string;
  /** Toolsets Copilot's server lists; empty: every one that can work. The explorer's server lists all it uses. */
  toolsets: string[];
  /** Copilot's server runs with `--read-only`: no write tool. */
  readOnly: boolean;
}

/** Every variable the extension decides; the MCP definition clears the ones it leaves unset. */
export const MANAGED_VARIABLES = [
  'DOCKERHUB_USERNAME',
  'DOCKERHUB_TOKEN',
  'DOCKERHUB_API_URL',
  'DOCKERHUB_REGISTRY_URL',
  'DOCKERHUB_SCOUT_URL',
  'DOCKERHUB_MCP_REGISTRY_ENDPOINTS',
  'DOCKERHUB_MCP_CACHE_DIR',
  'DOCKERHUB_MCP_CACHE_MAX_MB',
  'DOCKERHUB_MCP_LOG_LEVEL',
  'DOCKERHUB_MCP_TOOLSETS',
] as const;

export function serverScriptPath(context: { extensionPath: string }): string {
  return join(context.extensionPath, 'server', 'dist', 'index.js');
}

/**
 * The server's environment. The token goes in only when passed and only with a username: the server refuses a
 * token without one (an access token is always used together with the account or organisation name).
 */
export function buildServerEnvironment(
  context: { globalStorageUri: { fsPath: string } },
  settings: ServerSettings,
  token?: string,
): Record<string, string> {
  // The editor's own binary runs the server; this makes it behave as plain Node.
  const env: Record<string, string> = {
    ELECTRON_RUN_AS_NODE: '1',
    // Shared by the server Copilot uses and the explorer's, so what one fetched by digest the other reuses.
    DOCKERHUB_MCP_CACHE_DIR: join(context.globalStorageUri.fsPath, 'cache'),
    DOCKERHUB_MCP_CACHE_MAX_MB: String(settings.cacheMaxMb),
    DOCKERHUB_MCP_LOG_LEVEL: settings.logLevel,
  };
  const username = settings.username.trim();
  if (username) env.DOCKERHUB_USERNAME = username;
  if (token && username) env.DOCKERHUB_TOKEN = token;
  const endpoints = registryEndpointsVariable(settings.registryEndpoints);
  if (endpoints) env.DOCKERHUB_MCP_REGISTRY_ENDPOINTS = endpoints;
  if (settings.hubApiUrl.trim()) env.DOCKERHUB_API_URL = settings.hubApiUrl.trim();
  if (settings.registryUrl.trim()) env.DOCKERHUB_REGISTRY_URL = settings.registryUrl.trim();
  if (settings.scoutUrl.trim()) env.DOCKERHUB_SCOUT_URL = settings.scoutUrl.trim();
  return env;
}

/** `host=url,host=url`, the form DOCKERHUB_MCP_REGISTRY_ENDPOINTS takes; entries with an empty side are dropped. */
export function registryEndpointsVariable(endpoints: Record<string, string>): string {
  return Object.entries(endpoints)
    .map(([host, url]) => [host.trim(), String(url).trim()])
    .filter(([host, url]) => host && url)
    .map(([host, url]) => `${host}=${url}`)
    .join(',');
}

/**
 * The MCP definition's `version`: it changes whenever a setting or the stored token changes, which makes VS Code
 * restart the server, and says nothing about the token itself (definitions are kept in plain storage). The
 * revision is a counter bumped on every token change (and cache clear).
 */
export function serverDefinitionVersion(extensionVersion: string, settings: ServerSettings, revision: number): string {
  const settingsDigest = createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 12);
  return `${extensionVersion}+${settingsDigest}.${revision}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** DOCKERHUB_MCP_TOOLSETS for the server VS Code starts for Copilot; undefined leaves the server's default. */
export function toolsetsVariable(settings: ServerSettings): string | undefined {
  const toolsets = settings.toolsets.map((name) => name.trim()).filter(Boolean);
  return toolsets.length > 0 ? toolsets.join(',') : undefined;
}
