import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { rig } from '../../rig/mocha-hooks';

/** The built server, as users run it. */
export const SERVER_BUNDLE = join(__dirname, '..', '..', '..', 'server', 'dist', 'index.js');

export interface HttpServerProcess {
  /** The /mcp URL the server printed. */
  url: string;
  child: ChildProcess;
}

/**
 * Starts the built server in HTTP mode on a free port with the rig's environment plus `env`, and resolves once it
 * has said on stderr where it listens. The caller kills `child`.
 */
export async function startHttpServer(args: string[], env: Record<string, string> = {}): Promise<HttpServerProcess> {
  const child = spawn(process.execPath, [SERVER_BUNDLE, '--transport', 'http', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', ...rig().env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { url, child };
}
