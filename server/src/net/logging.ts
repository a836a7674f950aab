import type { Logger } from '../log';
import type { Layer } from './fetch';
import { redactHeaders } from './redact';

/** Sets the user agent on every request (a header a caller sets wins). */
export function userAgent(value: string): Layer {
  return (next) => (request) => next({ ...request, headers: { 'user-agent': value, ...(request.headers ?? {}) } });
}

/** Debug lines for each round trip, with credentials redacted and URLs stripped of their query (signed URLs). */
export function logged(log: Logger): Layer {
  return (next) => async (request) => {
    const shown = withoutQuery(request.url);
    log.debug('http', { method: request.method, url: shown, headers: redactHeaders(request.headers ?? {}) });
    const response = await next(request);
    log.debug('http reply', { method: request.method, url: shown, status: response.status, bytes: response.body.length });
    return response;
  };
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.search ? `${parsed.origin}${parsed.pathname}?…` : url;
}
