import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface RegistryOptions {
  realm: string;
  service: string;
  issuer: string;
  certificatePem: string;
}

export interface LaunchedRegistry {
  /** Direct URL of Distribution, without the proxy's Docker Hub behaviour. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

// The registry runs under a shell that waits on its own stdin: when the test process ends in any way
// (even SIGKILL) the pipe closes, the shell kills the registry (its data is throwaway) and removes its folder. The shell has its own
// process group, so a Ctrl-C meant for mocha cannot kill it before it has cleaned up, and it stops writing to the
// pipes first (a write to a dead reader would kill it with SIGPIPE).
const WATCHDOG_SCRIPT = `
"$0" serve "$1/config.yml" &
registry=$!
trap 'exec >/dev/null 2>&1; kill -KILL "$registry"; rm -rf "$1"; exit 0' INT TERM HUP
echo "$registry"
read _ignored
exec >/dev/null 2>&1
kill -KILL "$registry"
wait "$registry"
rm -rf "$1"
`;

function killQuietly(pid: number): void {
  try {
    if (Number.isInteger(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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
  token:
    realm: ${options.realm}
    service: ${options.service}
    issuer: ${options.issuer}
    rootcertbundle: ${directory}/token-cert.pem
health:
  storagedriver:
    enabled: false
`;
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${output()}`);
    try {
      const response = await fetch(`${url}/v2/`);
      await response.arrayBuffer();
      if (response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`docker-registry did not answer /v2/ within 10 s: ${output()}`);
}

export async function launchRegistry(options: RegistryOptions): Promise<LaunchedRegistry> {
  const directory = await mkdtemp(join(tmpdir(), 'rig-registry-'));
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  const port = await freePort();
  await writeFile(join(directory, 'token-cert.pem'), options.certificatePem);
  await writeFile(join(directory, 'config.yml'), configYaml(directory, port, options));

  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, REGISTRY_BINARY, directory], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const registryPid = new Promise<number>((resolve) => {
    child.stdout?.setEncoding('utf8').once('data', (line: string) => resolve(Number.parseInt(line, 10)));
    child.once('exit', () => resolve(Number.NaN));
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  async function stop(): Promise<void> {
    child.stdin?.end();
    const pid = await registryPid;
    const timer = setTimeout(() => {
      killQuietly(pid);
      child.kill('SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
    process.removeListener('exit', removeDirectory);
    removeDirectory();
  }

  try {
    await waitUntilServing(url, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: await registryPid, stop };
}
