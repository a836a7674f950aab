import { HubAuth } from './auth/hubAuth';
import { RegistryAuth } from './auth/registryAuth';
import { Cache } from './cache/cache';
import type { Config } from './config';
import { HubClient } from './hub/client';
import { HttpClient } from './http/client';
import { registerSecret } from './http/redact';
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
}

export interface ServiceOptions {
  /** Benchmarks only: no cache and no coalescing, standing for a server that asks upstream for everything. */
  noCache?: boolean;
}

export function createServices(config: Config, log: Logger, options: ServiceOptions = {}): Services {
  registerSecret(config.token);
  registerSecret(config.httpToken);
  const http = new HttpClient({ timeoutMs: config.timeoutMs, log, coalesce: !options.noCache });
  const cache = new Cache({ maxBytes: config.cacheMaxBytes, directory: config.cacheDir, log, disabled: options.noCache });
  const hubAuth = new HubAuth({ config, http, log });
  const registryAuth = new RegistryAuth({ config, http, log });
  const registry = new RegistryClient({ config, http, cache, log, auth: registryAuth });
  const hub = new HubClient({ config, http, cache, log, auth: hubAuth });
  const scout = new ScoutClient({ config, http, cache, log, auth: hubAuth });
  return { config, log, http, cache, registry, hub, scout, hubAuth };
}

export async function closeServices(services: Services): Promise<void> {
  await services.http.close();
}
