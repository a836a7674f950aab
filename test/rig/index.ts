import {
  buildBase,
  buildCatalogue,
  buildMovedBase,
  PRIVATE_REPOSITORIES,
  recordPush,
  rigUsers,
  type Catalogue,
  type CatalogueTag,
  type RigUser,
} from './images';
import { startHubEmulator, type HubEmulator } from './hub/emulator';
import { RegistryPusher, type BuiltImage, type BuiltIndex } from './registry/imageBuilder';
import { launchRegistry } from './registry/launcher';
import { startRegistryProxy, type RegistryProxy, type RequestCounts } from './registry/proxy';
import { REGISTRY_SERVICE, TOKEN_ISSUER, startTokenServer, type TokenServer } from './registry/tokenServer';

export type { Catalogue, CatalogueTag, RigUser } from './images';
export { GHCR_REPOSITORIES, PRIVATE_REPOSITORIES } from './images';
export type { RegistryProxy, RequestCounts, RateLimitSettings, FaultSettings, ProxyRequestRecord } from './registry/proxy';
export type { TokenServer, TokenRequestRecord, TokenCounts } from './registry/tokenServer';
export type { HubEmulator, HubControl } from './hub/emulator';

export interface RigOptions {
  /** alice's PAT; pass a canary to prove a secret never leaks. */
  alicePat?: string;
}

export interface Rig {
  /** Environment for the server under test. */
  env: Record<string, string>;
  registry: {
    /** The proxy: Docker Hub's registry behaviour; also serves `ghcr.io` through the endpoint override. */
    url: string;
    /** Distribution itself, without the proxy (no counting, no rate limit). */
    directUrl: string;
    cdnUrl: string;
    /** PID of the docker-registry process. */
    pid: number;
    proxy: RegistryProxy;
    counts(): RequestCounts;
    resetCounts(): void;
  };
  tokenServer: TokenServer;
  hub: HubEmulator;
  /** Mutated in place by moveBase/restoreBase, so readers see the registry's current state. */
  images: Catalogue;
  users: RigUser[];
  /** Pushes an image or index under the given tags (push rights on any repository). */
  push(repository: string, built: BuiltImage | BuiltIndex, tags: string[]): Promise<CatalogueTag>;
  /** Pushes a new `library/base:1`: the base image "moved". Returns its new tag entry. */
  moveBase(): Promise<CatalogueTag>;
  /** Points `library/base:1` back at the original. */
  restoreBase(): Promise<void>;
  /** Default controls (rate limit, token lifetime, token server up, no faults), counts cleared, base restored. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    const results = await Promise.allSettled(stops.reverse().map((stop) => stop()));
    stops.length = 0;
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  };
  try {
    const users = rigUsers(options.alicePat);
    const { catalogue, pushes } = buildCatalogue();
    const tokenServer = await startTokenServer({ users, privateRepositories: PRIVATE_REPOSITORIES });
    stops.push(tokenServer.stop);
    const registry = await launchRegistry({
      realm: tokenServer.realm,
      service: REGISTRY_SERVICE,
      issuer: TOKEN_ISSUER,
      certificatePem: tokenServer.certificatePem,
    });
    stops.push(registry.stop);
    const proxy = await startRegistryProxy({ registryUrl: registry.url, tokenServer });
    stops.push(proxy.stop);

    const pusher = new RegistryPusher(
      registry.url,
      (repository) =>
        `Bearer ${tokenServer.issueToken([{ type: 'repository', name: repository, actions: ['pull', 'push'] }], 'rig-pusher')}`,
    );
    const byRepository = new Map<string, typeof pushes>();
    for (const push of pushes) byRepository.set(push.repository, [...(byRepository.get(push.repository) ?? []), push]);
    await Promise.all(
      [...byRepository.values()].map(async (repositoryPushes) => {
        for (const push of repositoryPushes) await pusher.push(push.repository, push.built, push.tags);
      }),
    );

    const hub = await startHubEmulator({ images: catalogue, users });
    stops.push(hub.stop);

    const originalBase = buildBase();
    let baseMoved = false;
    async function push(repository: string, built: BuiltImage | BuiltIndex, tags: string[]): Promise<CatalogueTag> {
      await pusher.push(repository, built, tags);
      return recordPush(catalogue, { repository, built, tags });
    }
    async function restoreBase(): Promise<void> {
      await push('library/base', originalBase, ['1']);
      baseMoved = false;
    }

    const env: Record<string, string> = {
      DOCKERHUB_REGISTRY_URL: proxy.url,
      DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `ghcr.io=${proxy.url}`,
      DOCKERHUB_API_URL: hub.url,
      DOCKERHUB_SCOUT_URL: hub.scoutUrl,
      // Tests never read the machine's own Docker credentials; credential tests point DOCKER_CONFIG at their own.
      DOCKERHUB_MCP_DOCKER_CONFIG: '0',
    };
    proxy.resetCounts();

    return {
      env,
      registry: {
        url: proxy.url,
        directUrl: registry.url,
        cdnUrl: proxy.cdnUrl,
        pid: registry.pid,
        proxy,
        counts: proxy.counts,
        resetCounts: proxy.resetCounts,
      },
      tokenServer,
      hub,
      images: catalogue,
      users,
      push,
      async moveBase() {
        baseMoved = true;
        return push('library/base', buildMovedBase(), ['1']);
      },
      restoreBase,
      async reset() {
        proxy.reset();
        tokenServer.reset();
        hub.control.reset();
        if (baseMoved) await restoreBase();
        proxy.resetCounts();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
