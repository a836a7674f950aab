import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../freePort';
import { spawnUnderWatchdog, type WatchedProcess } from '../watchdog';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TokenAuthOptions {
  realm: string;
  service: string;
  issuer: string;
  certificatePem: string;
}

/** Basic authentication against an htpasswd file (bcrypt hashes, as Distribution requires). */
export interface HtpasswdAuthOptions {
  htpasswd: string;
}

export type RegistryOptions = TokenAuthOptions | HtpasswdAuthOptions;

export interface LaunchedRegistry {
  /** Direct URL of Distribution, without the proxy's Docker Hub behaviour. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function configYaml(directory: string, port: number, options: RegistryOptions): string {
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${directory}/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: rig-http-secret
  headers:
    X-Content-Type-Options: [nosniff]
auth:
${authYaml(directory, options)}
health:
  storagedriver:
    enabled: false
`;
}

function authYaml(directory: string, options: RegistryOptions): string {
  if ('htpasswd' in options) {
    return `  htpasswd:
    realm: rig-basic
    path: ${directory}/htpasswd`;
  }
  return `  token:
    realm: ${options.realm}
    service: ${options.service}
    issuer: ${options.issuer}
    rootcertbundle: ${directory}/token-cert.pem`;
}

async function waitUntilServing(url: string, registry: WatchedProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { exitCode } = registry.shell;
    if (exitCode !== null) throw new Error(`docker-registry exited (${exitCode}): ${registry.output()}`);
    try {
      const response = await fetch(`${url}/v2/`);
      await response.arrayBuffer();
      if (response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`docker-registry did not answer /v2/ within 10 s: ${registry.output()}`);
}

export async function launchRegistry(options: RegistryOptions): Promise<LaunchedRegistry> {
  const directory = await mkdtemp(join(tmpdir(), 'rig-registry-'));
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  const port = await freePort();
  if ('htpasswd' in options) await writeFile(join(directory, 'htpasswd'), options.htpasswd);
  else await writeFile(join(directory, 'token-cert.pem'), options.certificatePem);
  await writeFile(join(directory, 'config.yml'), configYaml(directory, port, options));

  // The registry runs under the watchdog, so it and its folder go when the test process ends in any way.
  const registry = spawnUnderWatchdog(directory, REGISTRY_BINARY, ['serve', join(directory, 'config.yml')]);
  const url = `http://127.0.0.1:${port}`;

  async function stop(): Promise<void> {
    await registry.stop();
    process.removeListener('exit', removeDirectory);
    removeDirectory();
  }

  try {
    await waitUntilServing(url, registry);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: await registry.pid, stop };
}
