import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/**
 * A child started in its own process group: stopping it kills the whole group, because code-server's extension
 * host and the MCP server it spawned otherwise outlive it for hours.
 */
export interface GroupProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when `pattern` appears in the output; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export function spawnGroup(command: string, args: string[], options: SpawnOptions & { label: string; echo?: boolean }): GroupProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    if (options.echo) process.stderr.write(text.replace(/^(?=.)/gm, `[${options.label}] `));
    for (const watcher of watchers) watcher();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      for (const watcher of watchers) watcher();
      resolve();
    }),
  );

  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${options.label}: no ${pattern} within ${timeoutMs} ms; output:\n${output.slice(-2000)}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (match) finish(undefined, match);
          else if (exited) finish(new Error(`${options.label} exited (${child.exitCode ?? child.signalCode}) before ${pattern}; output:\n${output.slice(-2000)}`));
        };
        const finish = (err?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolve(match!);
        };
        watchers.add(check);
        check();
      });
    },
    async stop() {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      const stopped = await Promise.race([exitedPromise.then(() => true), delay(5000).then(() => false)]);
      // The group may still hold the extension host after the leader exited: always finish with SIGKILL.
      killGroup(child.pid, 'SIGKILL');
      if (!stopped) await Promise.race([exitedPromise, delay(2000)]);
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
