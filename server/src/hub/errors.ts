import { oneLine, type DockerMcpError } from '../errors';
import { errorFromResponse } from '../net/errors';
import type { HttpResponse } from '../net/fetch';

/**
 * The contract's error for a non-2xx Hub API reply, naming what was asked for. Hub bodies carry `detail` or
 * `message` (OpenAPI `Error`/`error`); only that one line is kept, never the raw body.
 */
export function hubError(response: HttpResponse, what: string): DockerMcpError {
  return errorFromResponse(response, what, hubDetail(response));
}

/** The human sentence of a Hub error body, when it has one. */
export function hubDetail(response: HttpResponse): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  for (const field of ['detail', 'message', 'text']) {
    const value = record[field];
    if (typeof value === 'string' && value.trim()) return oneLine(value, 160);
  }
  return undefined;
}
