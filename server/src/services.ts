import { createHash } from 'node:crypto';
import { RegistryCredentials } from './auth/credentials';
import { HubAuth } from './auth/hubAuth';
import { RegistryAuth } from './auth/registryAuth';
import { Cache } from './cache/cache';
import { EntrySigner } from './cache/entrySigning';
import { QuotaLedger } from './cache/quotaLedger';
import { RedisConnection } from './cache/redisConnection';
import { RedisSharedCache } from './cache/redisShared';
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
  /** Who each registry is asked as: env, VS Code, Docker's config.json. */
  credentials: RegistryCredentials;
  /** The Redis level shared by many instances, and their quota ledger; only with DOCKERHUB_MCP_REDIS_URL. */
  sharedCache?: RedisSharedCache;
  quotaLedger?: QuotaLedger;
}

export interface ServiceOptions {
  /** Benchmarks only: no cache and no coalescing, standing for a server that asks upstream for everything. */
  noCache?: boolean;
}

export function createServices(config: Config, log: Logger, options: ServiceOptions = {}): Services {
  registerSecret(config.token);
  registerSecret(config.httpToken);
  const http = new HttpClient({ timeoutMs: config.timeoutMs, log, coalesce: !options.noCache });
  const { sharedCache, quotaLedger } = options.noCache ? {} : createRedisLevel(config, log);
  const cache = new Cache({
    maxBytes: config.cacheMaxBytes,
    directory: config.cacheDir,
    log,
    disabled: options.noCache,
    shared: sharedCache,
  });
  if (quotaLedger) http.onRateLimit((host, snapshot) => quotaLedger.record(host, snapshot));
  const hubAuth = new HubAuth({ config, http, log });
  const credentials = new RegistryCredentials({ config, log });
  const registryAuth = new RegistryAuth({ config, http, log, credentials });
  const registry = new RegistryClient({ config, http, cache, log, auth: registryAuth });
  const hub = new HubClient({ config, http, cache, log, auth: hubAuth });
  const scout = new ScoutClient({ config, http, cache, log, auth: hubAuth });
  const layers = new LayerIndexStore({ registry, cache, log, cacheDir: options.noCache ? undefined : config.cacheDir });
  return { config, log, http, cache, registry, hub, scout, hubAuth, layers, credentials, sharedCache, quotaLedger };
}

export async function closeServices(services: Services): Promise<void> {
  await Promise.all([services.http.close(), services.sharedCache?.close()]);
}

/** One Redis connection for the shared cache level and the quota ledger. */
function createRedisLevel(config: Config, log: Logger): { sharedCache?: RedisSharedCache; quotaLedger?: QuotaLedger } {
  if (!config.redisUrl) return {};
  const connection = new RedisConnection({ url: config.redisUrl, log });
  const signer = config.redisKey ? new EntrySigner(config.redisKey) : undefined;
  if (!signer) {
    log.warn('DOCKERHUB_MCP_REDIS_KEY is not set: only digest-addressed objects are shared through Redis');
  }
  return {
    sharedCache: new RedisSharedCache({ connection, log, identity: cacheIdentity(config), signer }),
    quotaLedger: new QuotaLedger(connection, signer),
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
