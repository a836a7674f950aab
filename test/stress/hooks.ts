import { randomBytes } from 'node:crypto';
import { startFaultProxy, type FaultProxy } from '../rig/faultProxy';
import { startRig, type Rig } from '../rig/index';
import { buildServerOnce, stopAllServers } from './helpers/server';
import { summaryTable } from './helpers/summary';

/*
 * Root hooks of the stress suite: one rig whose alice logs in with a canary PAT, and a fault proxy in front of each
 * service the server talks to. The registry proxy's token realm and CDN redirects are rewritten to lead through the
 * token and CDN fault proxies, so every byte the server sends or receives passes one. Before every test the rig and
 * the proxies go back to their defaults; after every test the servers it left running are stopped.
 */

export interface Canary {
  pat: string;
  /**
   * Every form the PAT could leak in: itself, its random part, the Basic credentials made of it, URL-encoded; and
   * pieces of those, so a PAT cut short inside a one-line error is caught too.
   */
  forms: string[];
}

export interface Proxies {
  registry: FaultProxy;
  cdn: FaultProxy;
  token: FaultProxy;
  hub: FaultProxy;
}

export interface StressRig {
  rig: Rig;
  proxies: Proxies;
  canary: Canary;
  /** Environment of a server under test: every URL through a fault proxy, alice's canary PAT, debug logging. */
  env: Record<string, string>;
  /** Clears every fault rule and request log. */
  resetProxies(): void;
}

let current: StressRig | undefined;

export function stress(): StressRig {
  if (!current) throw new Error('The stress rig is not running: run mocha with --config test/stress/.mocharc.json');
  return current;
}

export function makeCanary(user = 'alice'): Canary {
  const core = `CANARY${randomBytes(12).toString('hex')}`;
  const pat = `dckr_pat_${core}`;
  const basic = Buffer.from(`${user}:${pat}`);
  const whole = [pat, core, basic.toString('base64'), basic.toString('base64url'), encodeURIComponent(pat)];
  // Base64 of "alice:dckr_pat_" is not secret; what follows it is.
  const secretPart = [core.slice('CANARY'.length), basic.toString('base64').slice(20), basic.toString('base64url').slice(20)];
  const pieces = secretPart.flatMap((text) => Array.from({ length: text.length - 11 }, (_, at) => text.slice(at, at + 12)));
  return { pat, forms: [...whole, ...pieces] };
}

async function startStressRig(): Promise<StressRig> {
  const canary = makeCanary();
  const rig = await startRig({ alicePat: canary.pat });
  const started: FaultProxy[] = [];
  try {
    const token = await startFaultProxy({ name: 'token', target: rig.tokenServer.url });
    started.push(token);
    const cdn = await startFaultProxy({ name: 'cdn', target: rig.registry.cdnUrl });
    started.push(cdn);
    const registry = await startFaultProxy({
      name: 'registry',
      target: rig.registry.url,
      rewrite: { [rig.tokenServer.url]: token.url, [rig.registry.cdnUrl]: cdn.url },
    });
    started.push(registry);
    const hub = await startFaultProxy({ name: 'hub', target: rig.hub.url });
    started.push(hub);
    const proxies = { registry, cdn, token, hub };
    const env = {
      DOCKERHUB_REGISTRY_URL: registry.url,
      DOCKERHUB_MCP_REGISTRY_ENDPOINTS: `ghcr.io=${registry.url}`,
      DOCKERHUB_API_URL: hub.url,
      DOCKERHUB_SCOUT_URL: `${hub.url}/v1/graphql`,
      DOCKERHUB_USERNAME: 'alice',
      DOCKERHUB_TOKEN: canary.pat,
      DOCKERHUB_MCP_LOG_LEVEL: 'debug',
      // One deadline per call, retries included: room for one hung attempt and its retry on a loaded machine.
      DOCKERHUB_MCP_TIMEOUT_MS: '4000',
    };
    const resetProxies = () => {
      for (const proxy of started) {
        proxy.clear();
        proxy.resetRequests();
      }
    };
    const stopRig = rig.stop;
    rig.stop = async () => {
      await Promise.allSettled(started.map((proxy) => proxy.stop()));
      await stopRig();
    };
    return { rig, proxies, canary, env, resetProxies };
  } catch (error) {
    await Promise.allSettled(started.map((proxy) => proxy.stop()));
    await rig.stop();
    throw error;
  }
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    buildServerOnce();
    current = await startStressRig();
  },
  async beforeEach() {
    await current?.rig.reset();
    current?.resetProxies();
  },
  async afterEach(this: Mocha.Context) {
    this.timeout(30_000);
    await stopAllServers();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopAllServers();
    await current?.rig.stop();
    current = undefined;
    process.stdout.write(summaryTable());
  },
};
