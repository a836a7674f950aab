import { spawn } from 'node:child_process';

/** What a docker-credential-helpers `get` answered; `undefined` from `runCredentialHelper` means "none stored". */
export interface HelperCredential {
  username: string;
  secret: string;
  kind: 'basic' | 'identitytoken';
}

/** A helper that is missing, failed, hung or broke the protocol. The message names the helper, never its output. */
export class CredentialHelperError extends Error {}

/** A helper answer is a few hundred bytes; more is not the protocol. */
const MAX_OUTPUT_BYTES = 64 * 1024;
/** docker-credential-helpers' `credentials.NewErrCredentialsNotFound` text, printed on stdout with exit 1. */
const NOT_FOUND = /credentials not found/i;
/** The helper protocol's marker for an identity token in `Username` (docker/cli `tokenUsername`). */
const TOKEN_USERNAME = '<token>';

export interface HelperOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/**
 * `docker-credential-<name> get` with the server address on stdin, as docker/cli's `client.Get` runs it: found on
 * PATH, no shell, JSON `{ServerURL, Username, Secret}` on stdout. Its stdout and stderr are never logged or echoed:
 * they may hold the secret. Killed when `timeoutMs` passes or `signal` aborts.
 */
export function runCredentialHelper(name: string, serverAddress: string, options: HelperOptions): Promise<HelperCredential | undefined> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    return Promise.reject(new CredentialHelperError(`the credential helper name "${name}" is not a program name`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], {
      shell: false,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: options.env ?? process.env,
      windowsHide: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(new CredentialHelperError(`${program} did not answer within ${options.timeoutMs} ms`))),
      options.timeoutMs,
    );
    const onAbort = () => finish(() => reject(new CredentialHelperError(`${program} was stopped: the call was cancelled`)));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err: NodeJS.ErrnoException) => {
      const reason =
        err.code === 'ENOENT'
          ? `${program} is not installed (not found on PATH)`
          : `${program} could not be started (${err.code ?? 'error'})`;
      finish(() => reject(new CredentialHelperError(reason)));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        finish(() => reject(new CredentialHelperError(`${program} printed more than ${MAX_OUTPUT_BYTES} bytes`)));
        return;
      }
      chunks.push(chunk);
    });
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code !== 0) {
        if (NOT_FOUND.test(output)) return finish(() => resolve(undefined));
        return finish(() => reject(new CredentialHelperError(`${program} failed (exit status ${code ?? 'killed'})`)));
      }
      finish(() => {
        const parsed = parseHelperAnswer(output);
        if (parsed) resolve(parsed);
        else reject(new CredentialHelperError(`${program} answered with something other than the helper protocol's JSON`));
      });
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit status tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverAddress);
  });
}

function parseHelperAnswer(output: string): HelperCredential | undefined {
  let body: unknown;
  try {
    body = JSON.parse(output);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const { Username: username, Secret: secret } = body as { Username?: unknown; Secret?: unknown };
  if (typeof username !== 'string' || typeof secret !== 'string' || !secret) return undefined;
  return username === TOKEN_USERNAME ? { username, secret, kind: 'identitytoken' } : { username, secret, kind: 'basic' };
}
