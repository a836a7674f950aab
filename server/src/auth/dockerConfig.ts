import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Docker Hub's key in config.json (docker/cli `registry.IndexServer`); it stands for docker.io. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

/** What one entry of `auths` holds once decoded; empty strings are absent. */
export interface DockerAuthEntry {
  username?: string;
  password?: string;
  identityToken?: string;
}

/** The credential parts of Docker's config.json, as docker/cli's `configfile.ConfigFile` reads them. */
export interface DockerConfigFile {
  path: string;
  /** Keyed by registry host as written in references (`docker.io`, `ghcr.io`, `localhost:5000`). */
  auths: Map<string, DockerAuthEntry>;
  credsStore?: string;
  credHelpers: Map<string, string>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const directory = env.DOCKER_CONFIG?.trim() || join(homedir(), '.docker');
  return join(directory, 'config.json');
}

/**
 * Reads config.json. A missing file is an empty store, as for docker; an unreadable or malformed one throws an
 * Error whose message names the file and what is wrong with it (never its contents).
 */
export async function readDockerConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, auths: new Map(), credHelpers: new Map() };
    throw new Error(`${path} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path} is not a JSON object`);
  return parseDockerConfig(path, raw as Record<string, unknown>);
}

export function parseDockerConfig(path: string, raw: Record<string, unknown>): DockerConfigFile {
  const config: DockerConfigFile = { path, auths: new Map(), credHelpers: new Map() };
  if (isRecord(raw.auths)) {
    for (const [key, value] of Object.entries(raw.auths)) {
      if (!isRecord(value)) continue;
      config.auths.set(registryOfConfigKey(key), decodeAuthEntry(value));
    }
  }
  if (typeof raw.credsStore === 'string' && raw.credsStore.trim()) config.credsStore = raw.credsStore.trim();
  if (isRecord(raw.credHelpers)) {
    for (const [key, value] of Object.entries(raw.credHelpers)) {
      if (typeof value === 'string' && value.trim()) config.credHelpers.set(registryOfConfigKey(key), value.trim());
    }
  }
  return config;
}

/**
 * docker/cli's `ConvertToHostname` (scheme and path dropped), with Docker Hub's spellings folded into docker.io so
 * that `https://index.docker.io/v1/` is found for `nginx`.
 */
export function registryOfConfigKey(key: string): string {
  const host = key
    .trim()
    .replace(/^https?:\/\//i, '')
    .split('/')[0]
    .toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** The server address docker passes to a credential helper for `registry`. */
export function helperServerAddress(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_CONFIG_KEY : registry;
}

/** The helper that holds `registry`'s credentials: its own credHelpers entry, else credsStore (docker's order). */
export function helperFor(config: DockerConfigFile, registry: string): { name: string; setting: 'credHelpers' | 'credsStore' } | undefined {
  const own = config.credHelpers.get(registry);
  if (own) return { name: own, setting: 'credHelpers' };
  if (config.credsStore) return { name: config.credsStore, setting: 'credsStore' };
  return undefined;
}

/** `auth` is base64 of `user:password` and wins over the legacy `username`/`password` fields, as in docker/cli. */
function decodeAuthEntry(value: Record<string, unknown>): DockerAuthEntry {
  const entry: DockerAuthEntry = {};
  if (typeof value.username === 'string' && value.username) entry.username = value.username;
  if (typeof value.password === 'string' && value.password) entry.password = value.password;
  if (typeof value.auth === 'string' && value.auth.trim()) {
    const decoded = Buffer.from(value.auth.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      entry.username = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      if (password) entry.password = password;
      else delete entry.password;
    }
  }
  if (typeof value.identitytoken === 'string' && value.identitytoken) entry.identityToken = value.identitytoken;
  return entry;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}
