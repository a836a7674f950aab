import { createHash } from 'node:crypto';
import { HubAuth } from './auth/hubAuth';
import { RegistryAuth } from './auth/registryAuth';
import { Cache } from './cache/cache';
import { RedisStore } from './cache/redis';
import type { Config } from './config';
import { HubClient } from './hub/client';
import { HttpClient } from './http/client';
import { registerSecret } from './http/redact';
import { LayerIndexStore } from './layers/store';
import type { Logger } from './log';
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
  layers: LayerIndexStore;
  /** The Redis level and quota ledger shared by many instances; only with DOCKERHUB_MCP_REDIS_URL. */
  sharedCache?: RedisStore;
}

export interface ServiceOptions {
  /** Benchmarks only: no cache and no coalescing, standing for a server that asks upstream for everything. */
  noCache?: boolean;
}

export function createServices(config: Config, log: Logger, options: ServiceOptions = {}): Services {
  registerSecret(config.token);
  registerSecret(config.httpToken);
  const http = new HttpClient({ timeoutMs: config.timeoutMs, log, coalesce: !options.noCache });
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
  const hubAuth = new HubAuth({ config, http, log });
  const registryAuth = new RegistryAuth({ config, http, log });
  const registry = new RegistryClient({ config, http, cache, log, auth: registryAuth });
  const hub = new HubClient({ config, http, cache, log, auth: hubAuth });
  const scout = new ScoutClient({ config, http, cache, log, auth: hubAuth });
  const layers = new LayerIndexStore({ registry, cache, log, cacheDir: options.noCache ? undefined : config.cacheDir });
  return { config, log, http, cache, registry, hub, scout, hubAuth, layers, sharedCache };
}

export async function closeServices(services: Services): Promise<void> {
  await Promise.all([services.http.close(), services.sharedCache?.close()]);
}

/**
 * Instances with the same credentials (or none) share answers that can be private; the hash keeps the token out of
 * Redis while a rotated or different token still gets a scope of its own.
 */
function cacheIdentity(config: Config): string {
  if (!config.username || !config.token) return 'anonymous';
  return `id-${createHash('sha256').update(`${config.username}\n${config.token}`).digest('hex').slice(0, 16)}`;
}
