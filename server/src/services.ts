import { createHash } from 'node:crypto';
import { diskChallengeStore } from './auth/challenges';
import { HubAuth } from './auth/hubAuth';
import { DOCKER_HUB_REGISTRY_URL, RegistryAuth } from './auth/registryAuth';
import { Cache } from './cache/cache';
import { RedisStore } from './cache/redis';
import type { Config } from './config';
import { HubClient } from './hub/client';
import type { Logger } from './log';
import { HttpClient } from './net/client';
import { DestinationPolicy } from './net/destinations';
import { registerSecret } from './net/redact';
import { RegistryClient } from './registry/client';
import { ScoutClient } from './scout/client';

/** What a tool handler may use. Built once per server process. */
export interface Services {
  config: Config;
  log: Logger;
  http: HttpClient;
  cache: Cache;
  registry: RegistryClient;
  hub: HubClient;
  scout: ScoutClient;
  hubAuth: HubAuth;
  /** The Redis level and quota ledger shared by many instances; only with DOCKERHUB_MCP_REDIS_URL. */
  sharedCache?: RedisStore;
}

export interface ServiceOptions {
  /** Benchmarks only: no cache and no coalescing, standing for a server that asks upstream for everything. */
  noCache?: boolean;
  /**
   * `http`: the server is reached over the network, so model-chosen destinations pass the destination policy
   * (DOCKERHUB_MCP_ALLOWED_REGISTRIES). On stdio the user runs their own server and may reach a local registry.
   */
  transport?: 'stdio' | 'http';
}

export function createServices(config: Config, log: Logger, options: ServiceOptions = {}): Services {
  registerSecret(config.token, config.username);
  registerSecret(config.httpToken);
  const policy =
    options.transport === 'http'
      ? new DestinationPolicy({ trustedOrigins: configuredUrls(config), allowed: config.allowedRegistries })
      : undefined;
  const http = new HttpClient({
    timeoutMs: config.timeoutMs,
    log,
    coalesce: !options.noCache,
    policy,
    serviceName: serviceNames(config),
  });
  const sharedCache =
    config.redisUrl && !options.noCache
      ? new RedisStore({ url: config.redisUrl, log, identity: cacheIdentity(config) })
      : undefined;
  const cache = new Cache({
    maxBytes: config.cacheMaxBytes,
    directory: config.cacheDir,
    log,
    disabled: options.noCache,
    shared: sharedCache,
  });
  if (sharedCache) http.onRateLimit((host, snapshot) => sharedCache.recordRateLimit(host, snapshot));
  const challenges = config.cacheDir && !options.noCache ? diskChallengeStore(config.cacheDir, log) : undefined;
  // Each upstream: the shared stack, under its own auth layer.
  const hubAuth = new HubAuth({ config, http, log });
  const registryAuth = new RegistryAuth({ config, http, log, challenges });
  const registry = new RegistryClient({ config, http, cache, log, auth: registryAuth });
  const hub = new HubClient({ config, http, cache, log, auth: hubAuth });
  const scout = new ScoutClient({ config, http, cache, log, auth: hubAuth });
  return { config, log, http, cache, registry, hub, scout, hubAuth, sharedCache };
}

export async function closeServices(services: Services): Promise<void> {
  await Promise.all([services.http.close(), services.sharedCache?.close()]);
}

function configuredUrls(config: Config): string[] {
  return [config.hubApiUrl, config.registryUrl, config.scoutUrl, ...config.registryEndpoints.values()];
}

/** What a person calls the service at a URL: "Docker Hub's registry", or the host for a registry of its own. */
export function serviceNames(config: Config): (url: URL) => string {
  const names = new Map<string, string>([...config.registryEndpoints].map(([registry, url]) => [new URL(url).origin, registry]));
  names.set(new URL(config.registryUrl).origin, "Docker Hub's registry");
  names.set(new URL(config.scoutUrl).origin, 'Docker Scout');
  names.set(new URL(config.hubApiUrl).origin, 'Docker Hub');
  names.set('https://auth.docker.io', "Docker Hub's token service");
  const wellKnown = new Set([DOCKER_HUB_REGISTRY_URL, 'https://hub.docker.com', 'https://api.scout.docker.com', 'https://auth.docker.io']);
  return (url) => {
    const name = names.get(url.origin);
    if (!name) return url.host;
    // A configured address keeps its host in view: "127.0.0.1:5000 (Docker Hub's registry)".
    return wellKnown.has(url.origin) || name === url.host ? name : `${url.host} (${name})`;
  };
}

/**
 * Instances with the same credentials (or none) share answers that can be private; the hash keeps the token out of
 * Redis while a rotated or different token still gets a scope of its own.
 */
function cacheIdentity(config: Config): string {
  if (!config.username || !config.token) return 'anonymous';
  return `id-${createHash('sha256').update(`${config.username}\n${config.token}`).digest('hex').slice(0, 16)}`;
}
