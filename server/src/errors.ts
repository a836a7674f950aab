/** The one error type of the server. Its code is the contract's; its message is a sentence a person can act on. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'CONFLICT',
  'RATE_LIMITED',
  'TIMEOUT',
  'UPSTREAM_ERROR',
  'UNSUPPORTED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What the caller can do next, when a tool can do it: tools/hints.ts words it (only tools name tools). */
/** What a caller could try next, named below the tools and worded by them (tools/hints.ts). */
export type NextStep = 'list-tags' | 'docker-hub-only' | 'update-repository';

export class DockerMcpError extends Error {
  readonly code: ErrorCode;
  readonly nextStep?: NextStep;
  /** Seconds to wait before retrying, when upstream said so (RATE_LIMITED). */
  readonly retryAfterSeconds?: number;
  /** HTTP status that caused the error, when there was one. */
  readonly status?: number;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { retryAfterSeconds?: number; status?: number; cause?: unknown; nextStep?: NextStep } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'DockerMcpError';
    this.code = code;
    this.nextStep = extra.nextStep;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.status = extra.status;
  }

  /** The text a tool returns: `CODE: sentence`. */
  toText(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function invalidInput(argument: string, rule: string): DockerMcpError {
  return new DockerMcpError('INVALID_INPUT', `argument "${argument}" ${rule}`);
}

/** Maps an upstream HTTP status to the contract's error, naming what was asked for. */
export function errorFromStatus(
  status: number,
  what: string,
  detail?: string,
  retryAfterSeconds?: number,
  windowSeconds?: number,
): DockerMcpError {
  const suffix = detail ? ` (${oneLine(detail)})` : '';
  switch (status) {
    case 400:
      return new DockerMcpError('INVALID_INPUT', `upstream refused the request for ${what}${suffix}.`, { status });
    case 401:
      return new DockerMcpError(
        'UNAUTHORIZED',
        `${what} needs credentials: set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (a personal access token) with access to it${suffix}.`,
        { status },
      );
    case 403:
      return new DockerMcpError('FORBIDDEN', `access to ${what} is denied for these credentials${suffix}.`, { status });
    case 404:
      return new DockerMcpError('NOT_FOUND', `${what} was not found${suffix}.`, { status });
    case 405:
    case 501:
      return new DockerMcpError('UNSUPPORTED', `the upstream service does not support this for ${what}${suffix}.`, { status });
    case 409:
      return new DockerMcpError('CONFLICT', `${what} conflicts with what already exists${suffix}.`, { status });
    case 429:
      return rateLimited(what, retryAfterSeconds, windowSeconds);
    default:
      return new DockerMcpError('UPSTREAM_ERROR', `upstream answered HTTP ${status} for ${what}${suffix}; try again later.`, {
        status,
      });
  }
}

/** `windowSeconds`: the `w=` of the registry's rate-limit headers, the longest the wait can be. */
export function rateLimited(what: string, retryAfterSeconds?: number, windowSeconds?: number): DockerMcpError {
  const window = windowSeconds ? `within ${durationText(windowSeconds)}, the window the registry gave (w=${windowSeconds})` : undefined;
  const at = retryAfterSeconds === undefined ? undefined : new Date(Date.now() + retryAfterSeconds * 1000);
  // An absurd Retry-After (a year, or more digits than a date holds) is no date to show: it is "later".
  const plausible = at !== undefined && Number.isFinite(at.getTime()) && retryAfterSeconds! <= 366 * 24 * 3600;
  const when = plausible
    ? `retry in ${retryAfterSeconds} s (after ${at.toISOString()})`
    : retryAfterSeconds !== undefined
      ? 'retry much later; upstream asked for a wait of more than a year'
      : window
        ? `retry later: the pull quota frees up ${window}; a login raises it`
        : 'retry later; upstream did not say when (Docker Hub pull limits reset within 6 hours; a login raises them)';
  return new DockerMcpError('RATE_LIMITED', `rate limit reached for ${what}: ${when}.`, { status: 429, retryAfterSeconds });
}

/** `3600` → `1 hour`, `21600` → `6 hours`, `90` → `90 seconds`. */
export function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** Any thrown value to the contract's error; unknown faults become UPSTREAM_ERROR without internals. */
export function toDockerMcpError(err: unknown): DockerMcpError {
  if (err instanceof DockerMcpError) return err;
  return new DockerMcpError('UPSTREAM_ERROR', `unexpected failure: ${oneLine(err instanceof Error ? err.message : String(err))}.`, {
    cause: err,
  });
}

/** Upstream bodies and messages are cut to one short line so no raw page reaches a caller. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
