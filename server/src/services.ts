import { createHash } from 'node:crypto';
import { diskChallengeStore, type ChallengeStore } from './auth/challenges';
import { RegistryCredentials } from './auth/credentials';
import { HubAuth } from './auth/hubAuth';
import { DOCKER_HUB_REGISTRY_URL, RegistryAuth } from './auth/registryAuth';
import { Cache } from './cache/cache';
import { EntrySigner } from './cache/entrySigning';
import { QuotaLedger } from './cache/quotaLedger';
import { RedisConnection } from './cache/redisConnection';
import { RedisSharedCache } from './cache/redisShared';
import type { Config } from './config';
import { HubClient } from './hub/client';
import { LayerIndexStore } from './layers/store';
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
  layers: LayerIndexStore;
  /** Who each registry is asked as: env, VS Code, Docker's config.json. */
  credentials: RegistryCredentials;
  /** Learned registry challenges, kept in DOCKERHUB_MCP_CACHE_DIR. */
  challenges?: ChallengeStore;
  /** The Redis level shared by many instances, and their quota ledger; only with DOCKERHUB_MCP_REDIS_URL. */
  sharedCache?: RedisSharedCache;
  quotaLedger?: QuotaLedger;
}

export interface ServiceOptions {
  /** Benchmarks only: no cache and no coalescing, standing for a server that asks upstream for everything. */
  noCache?: boolean;
  /**
   * `http`: the server is reached over the network, so model-chosen destinations pass the destination policy
   * (DOCKERHUB_MCP_ALLOWED_REGISTRIES). On stdio the user runs their own server and may reach a local registry.
   */
  transport?: 'stdio' | 'http';
  /** Tests only: a cool-down short enough that the suite need not wait the default 30 s. */
  breakerCooldownMs?: number;
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
    breakerCooldownMs: options.breakerCooldownMs,
  });
  const { sharedCache, quotaLedger } = options.noCache ? {} : createRedisLevel(config, log);
  const cache = new Cache({
    maxBytes: config.cacheMaxBytes,
    directory: config.cacheDir,
    log,
    disabled: options.noCache,
    shared: sharedCache,
  });
  if (quotaLedger) http.onRateLimit((host, snapshot) => quotaLedger.record(host, snapshot));
  const challenges = config.cacheDir && !options.noCache ? diskChallengeStore(config.cacheDir, log) : undefined;
  const hubAuth = new HubAuth({ config, http, log });
  const credentials = new RegistryCredentials({ config, log });
  const registryAuth = new RegistryAuth({ config, http, log, credentials, challenges });
  const registry = new RegistryClient({ config, cache, log, auth: registryAuth });
  const hub = new HubClient({ config, http, cache, log, auth: hubAuth });
  const scout = new ScoutClient({ config, http, cache, log, auth: hubAuth });
  const layers = new LayerIndexStore({ registry, cache, log, cacheDir: options.noCache ? undefined : config.cacheDir });
  return { config, log, http, cache, registry, hub, scout, hubAuth, layers, credentials, challenges, sharedCache, quotaLedger };
}

export async function closeServices(services: Services): Promise<void> {
  await Promise.all([services.http.close(), services.sharedCache?.close(), services.challenges?.flush()]);
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
