import { dockerConfigPath } from './auth/dockerConfig';
import { readSecretFileSync } from './auth/credentialsFile';
import type { LogLevel } from './log';

/** Everything the server reads from its environment, validated once at start-up. */
export interface Config {
  username?: string;
  /** The token held now; with `tokenFile` it is re-read from the file when Docker Hub refuses it. */
  token?: string;
  tokenFile?: string;
  hubApiUrl: string;
  registryUrl: string;
  scoutUrl: string;
  /** Registry host (as written in references, e.g. `ghcr.io`, `localhost:5000`) → base URL override. */
  registryEndpoints: Map<string, string>;
  cacheDir?: string;
  cacheMaxBytes: number;
  timeoutMs: number;
  logLevel: LogLevel;
  httpToken?: string;
  httpTokenFile?: string;
  redisUrl?: string;
  /**
   * DOCKERHUB_MCP_ALLOWED_REGISTRIES: registries the HTTP transport may reach besides the configured ones: `public`
   * (any registry whose addresses are public; the default) and/or registry hosts as written in references.
   */
  allowedRegistries: string[];
  /** Toolsets to list (DOCKERHUB_MCP_TOOLSETS); undefined: all that can work. */
  toolsets?: ReadonlySet<Toolset>;
  /** `--read-only`: no write tools are listed or called. */
  readOnly: boolean;
  /** Compressed layer bytes one call may download to read file lists (DOCKERHUB_MCP_MAX_LAYER_BYTES). */
  maxLayerBytes: number;
  /** Docker's config.json (credentials for any registry); undefined with DOCKERHUB_MCP_DOCKER_CONFIG=0. */
  dockerConfigPath?: string;
  /** Registry host → credentials handed over by the VS Code extension (DOCKERHUB_MCP_REGISTRY_CREDENTIALS). */
  registryCredentials: Map<string, { username: string; secret: string }>;
  /** Signs what Redis holds that no digest can check; only the instances know it. */
  redisKey?: string;
}

/** Groups of tools a user can choose to list (DOCKERHUB_MCP_TOOLSETS). */
export const TOOLSETS = ['search', 'images', 'analysis', 'vulnerabilities', 'account', 'write', 'cache'] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** A bad environment value: the CLI prints the message and exits 2. */
export class ConfigError extends Error {}

/** 512 MiB: the whole of most application images (node, python ≈ 400 MB compressed); CUDA-sized ones need more. */
export const DEFAULT_MAX_LAYER_BYTES = 512 * 1024 * 1024;

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const username = text('DOCKERHUB_USERNAME');
  const tokenFile = text('DOCKERHUB_TOKEN_FILE');
  const token = secretFromEnvOrFile(text, 'DOCKERHUB_TOKEN');
  const httpTokenFile = text('DOCKERHUB_MCP_HTTP_TOKEN_FILE');
  const httpToken = secretFromEnvOrFile(text, 'DOCKERHUB_MCP_HTTP_TOKEN');
  if (token && !username) {
    // An organisation access token is used with the organisation name; a PAT with the Docker ID. Both need a name.
    throw new ConfigError('DOCKERHUB_TOKEN is set but DOCKERHUB_USERNAME is not: set both, or neither for anonymous use');
  }
  const cacheMaxMb = integer(env, 'DOCKERHUB_MCP_CACHE_MAX_MB', 64, 1, 65536);
  const logLevel = (text('DOCKERHUB_MCP_LOG_LEVEL') ?? 'warn').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError(`DOCKERHUB_MCP_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const redisUrl = text('DOCKERHUB_MCP_REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('DOCKERHUB_MCP_REDIS_URL must start with redis:// or rediss://');
  }
  // The value is not echoed: it may hold the Redis password.
  if (redisUrl && !URL.canParse(redisUrl)) throw new ConfigError('DOCKERHUB_MCP_REDIS_URL is not a valid URL');
  const redisKey = text('DOCKERHUB_MCP_REDIS_KEY');
  if (redisKey && redisKey.length < 32) {
    throw new ConfigError('DOCKERHUB_MCP_REDIS_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  }
  return {
    username,
    token,
    hubApiUrl: baseUrl('DOCKERHUB_API_URL', text('DOCKERHUB_API_URL') ?? 'https://hub.docker.com'),
    registryUrl: baseUrl('DOCKERHUB_REGISTRY_URL', text('DOCKERHUB_REGISTRY_URL') ?? 'https://registry-1.docker.io'),
    scoutUrl: baseUrl('DOCKERHUB_SCOUT_URL', text('DOCKERHUB_SCOUT_URL') ?? 'https://api.scout.docker.com/v1/graphql'),
    registryEndpoints: parseEndpoints(text('DOCKERHUB_MCP_REGISTRY_ENDPOINTS')),
    cacheDir: text('DOCKERHUB_MCP_CACHE_DIR'),
    cacheMaxBytes: cacheMaxMb * 1024 * 1024,
    timeoutMs: integer(env, 'DOCKERHUB_MCP_TIMEOUT_MS', 15000, 100, 600000),
    logLevel: logLevel as LogLevel,
    tokenFile,
    httpToken,
    httpTokenFile,
    redisUrl,
    allowedRegistries: parseAllowedRegistries(text('DOCKERHUB_MCP_ALLOWED_REGISTRIES')),
    toolsets: parseToolsets(text('DOCKERHUB_MCP_TOOLSETS')),
    readOnly: false,
    maxLayerBytes: integer(env, 'DOCKERHUB_MCP_MAX_LAYER_BYTES', DEFAULT_MAX_LAYER_BYTES, 0, 2 ** 40),
    dockerConfigPath: dockerConfigSetting(text('DOCKERHUB_MCP_DOCKER_CONFIG'), env),
    registryCredentials: parseRegistryCredentials(env.DOCKERHUB_MCP_REGISTRY_CREDENTIALS),
    redisKey,
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${value})`);
  return value;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A base URL: https anywhere, plain http only on loopback; no trailing slash. */
export function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL (got "${value}")`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(`${name} must use https (plain http is accepted only for loopback hosts; got "${value}")`);
  }
  if (url.username || url.password) throw new ConfigError(`${name} must not carry credentials in the URL`);
  return url.toString().replace(/\/+$/, '');
}

function parseToolsets(raw: string | undefined): ReadonlySet<Toolset> | undefined {
  if (!raw) return undefined;
  const names = raw.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((name) => !(TOOLSETS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`DOCKERHUB_MCP_TOOLSETS names unknown toolsets (${unknown.join(', ')}); choose from ${TOOLSETS.join(', ')}`);
  }
  return new Set(names as Toolset[]);
}

function parseEndpoints(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!raw) return map;
  for (const pair of raw.split(',')) {
    const trimmed = pair.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(`DOCKERHUB_MCP_REGISTRY_ENDPOINTS entries must be host=url (got "${trimmed}")`);
    }
    const host = trimmed.slice(0, eq).trim().toLowerCase();
    map.set(host, baseUrl(`DOCKERHUB_MCP_REGISTRY_ENDPOINTS (${host})`, trimmed.slice(eq + 1).trim()));
  }
  return map;
}

function parseAllowedRegistries(raw: string | undefined): string[] {
  if (!raw) return ['public'];
  const entries = raw.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  for (const entry of entries) {
    if (entry !== 'public' && !/^[a-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/.test(entry)) {
      throw new ConfigError(
        `DOCKERHUB_MCP_ALLOWED_REGISTRIES entries must be "public" or a registry host such as ghcr.io or registry.internal:5000 (got "${entry}")`,
      );
    }
  }
  return entries;
}

/** `NAME` or `NAME_FILE` (Docker and Kubernetes secrets), not both. */
function secretFromEnvOrFile(text: (name: string) => string | undefined, name: string): string | undefined {
  const value = text(name);
  const file = text(`${name}_FILE`);
  if (value && file) throw new ConfigError(`${name} and ${name}_FILE are both set: set one of them`);
  if (!file) return value;
  try {
    return readSecretFileSync(file, `${name}_FILE`);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function dockerConfigSetting(setting: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (setting === undefined || setting === '1') return dockerConfigPath(env);
  if (setting === '0') return undefined;
  throw new ConfigError(`DOCKERHUB_MCP_DOCKER_CONFIG must be 0 (do not read Docker's config.json) or 1 (got "${setting}")`);
}

/**
 * `{"ghcr.io": {"username": "…", "secret": "…"}}`: how the VS Code extension hands over what its secret storage
 * holds, at the server's start and never in a cached definition. Error messages name hosts and fields, never values.
 */
function parseRegistryCredentials(raw: string | undefined): Map<string, { username: string; secret: string }> {
  const map = new Map<string, { username: string; secret: string }>();
  if (!raw?.trim()) return map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('DOCKERHUB_MCP_REGISTRY_CREDENTIALS must be a JSON object {"host": {"username", "secret"}}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('DOCKERHUB_MCP_REGISTRY_CREDENTIALS must be a JSON object {"host": {"username", "secret"}}');
  }
  for (const [host, value] of Object.entries(parsed as Record<string, unknown>)) {
    const entry = value as { username?: unknown; secret?: unknown } | null;
    if (!entry || typeof entry.username !== 'string' || typeof entry.secret !== 'string' || !entry.secret) {
      throw new ConfigError(`DOCKERHUB_MCP_REGISTRY_CREDENTIALS entry "${host}" needs a string username and a non-empty secret`);
    }
    map.set(host.trim().toLowerCase(), { username: entry.username, secret: entry.secret });
  }
  return map;
}
