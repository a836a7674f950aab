import { spawn, type ChildProcess } from 'node:child_process';

// The command runs under a shell that waits on its own stdin: when the test process ends in any way (even SIGKILL)
// the pipe closes, the shell kills the command (its data is throwaway) and removes its folder. The shell has its own
// process group, so a Ctrl-C meant for mocha cannot kill it before it has cleaned up, and it stops writing to the
// pipes first (a write to a dead reader would kill it with SIGPIPE). $0 is the folder, "$@" the command.
const WATCHDOG_SCRIPT = `
"$@" &
command=$!
trap 'exec >/dev/null 2>&1; kill -KILL "$command"; rm -rf "$0"; exit 0' INT TERM HUP
echo "$command"
read _ignored
exec >/dev/null 2>&1
kill -KILL "$command"
wait "$command"
rm -rf "$0"
`;

export interface WatchedProcess {
  /** The watchdog shell; its `exitCode` is set once the command is gone. */
  shell: ChildProcess;
  /** PID of the command itself; NaN if the shell ended before starting it. */
  pid: Promise<number>;
  /** The last 4000 characters the command wrote, for error messages. */
  output(): string;
  /** Closes the shell's stdin, so it kills the command and removes the folder; SIGKILL for both after 5 s. */
  stop(): Promise<void>;
}

/** Runs `command args…` under the watchdog, which removes `directory` when the command ends. */
export function spawnUnderWatchdog(directory: string, command: string, args: string[]): WatchedProcess {
  const shell = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, directory, command, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-4000));
  shell.stderr?.setEncoding('utf8').on('data', keep);
  const pid = new Promise<number>((resolve) => {
    shell.stdout?.setEncoding('utf8').once('data', (line: string) => {
      resolve(Number.parseInt(line, 10));
      shell.stdout?.on('data', keep);
    });
    shell.once('exit', () => resolve(Number.NaN));
  });
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));

  return {
    shell,
    pid,
    output: () => output,
    async stop() {
      shell.stdin?.end();
      const commandPid = await pid;
      const timer = setTimeout(() => {
        signalQuietly(commandPid, 'SIGKILL');
        shell.kill('SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `process.kill` that ignores a process already gone (and a NaN pid). */
export function signalQuietly(pid: number, name: NodeJS.Signals): void {
  try {
    if (Number.isInteger(pid)) process.kill(pid, name);
  } catch {
    // already gone
  }
}
