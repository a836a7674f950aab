// Docker Hub access tokens: their form, and a check against the Hub login before one is stored. No vscode import:
// unit tests drive this directly.

export type AccessTokenKind = 'personal' | 'organisation';

const TOKEN_FORM = /^dckr_(pat|oat)_[A-Za-z0-9_-]{20,200}$/;

/** Undefined when the text has the form of a Docker Hub PAT or organisation access token, else why not. */
export function accessTokenFormProblem(text: string): string | undefined {
  const token = text.trim();
  if (!token) return 'Paste a Docker Hub access token.';
  if (/\s/.test(token)) return 'An access token has no spaces in it.';
  if (!token.startsWith('dckr_pat_') && !token.startsWith('dckr_oat_')) {
    return 'A Docker Hub access token begins with "dckr_pat_" (personal) or "dckr_oat_" (organisation); a password is not accepted.';
  }
  if (!TOKEN_FORM.test(token)) return 'This does not look like a whole access token: copy it again from Docker Hub.';
  return undefined;
}

export function accessTokenKind(token: string): AccessTokenKind {
  return token.trim().startsWith('dckr_oat_') ? 'organisation' : 'personal';
}

export interface VerifiedLogin {
  /** The account (or organisation) Docker Hub says the token belongs to. */
  username: string;
  endpoint: '/v2/auth/token' | '/v2/users/login';
}

/** Docker Hub refused the credentials (as opposed to being unreachable). */
export class TokenRejectedError extends Error {}

export interface VerifyOptions {
  hubApiUrl: string;
  identifier: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Logs in to Docker Hub once with the token (`POST /v2/auth/token`, or the older `/v2/users/login` where the
 * first is absent) and reports whom it authenticated. Error messages never contain the token.
 */
export async function verifyAccessToken(options: VerifyOptions): Promise<VerifiedLogin> {
  const doFetch = options.fetch ?? fetch;
  const base = secureBaseUrl(options.hubApiUrl);
  const redact = (text: string) => text.split(options.token).join('[redacted]');
  const post = async (path: VerifiedLogin['endpoint'], body: Record<string, string>) => {
    try {
      return await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new Error(`could not reach ${base} (${redact(reason)})`);
    }
  };

  let endpoint: VerifiedLogin['endpoint'] = '/v2/auth/token';
  let response = await post(endpoint, { identifier: options.identifier, secret: options.token });
  if (response.status === 404 || response.status === 405) {
    endpoint = '/v2/users/login';
    response = await post(endpoint, { username: options.identifier, password: options.token });
  }
  const text = redact(await response.text().catch(() => ''));
  const body = parseObject(text);
  if (response.status === 401 || response.status === 403) {
    const detail = typeof body?.detail === 'string' ? body.detail : typeof body?.message === 'string' ? body.message : '';
    throw new TokenRejectedError(
      `Docker Hub refused the token for "${options.identifier}"${detail ? ` (${oneLine(detail)})` : ''}: check the username and that the token is not expired or revoked.`,
    );
  }
  if (!response.ok) {
    throw new Error(`the Docker Hub login at ${base}${endpoint} answered HTTP ${response.status}${text ? `: ${oneLine(text)}` : ''}`);
  }
  const accessToken = body?.[endpoint === '/v2/auth/token' ? 'access_token' : 'token'];
  if (typeof accessToken !== 'string' || !accessToken) {
    throw new Error(`the Docker Hub login at ${base}${endpoint} answered without a token`);
  }
  return { username: hubUsernameClaim(accessToken) ?? options.identifier, endpoint };
}

/** The server's rule for base URLs, applied before the token leaves: https, or plain http to loopback only. */
function secureBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`the Docker Hub API URL "${value}" is not an absolute URL; check the setting dockerhubMcp.hubApiUrl`);
  }
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`refusing to send the token to ${url.origin}: use https (plain http is accepted for loopback addresses only)`);
  }
  return url.toString().replace(/\/+$/, '');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Docker Hub's access tokens are JWTs naming the account under the `https://hub.docker.com` claim. */
function hubUsernameClaim(jwt: string): string | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const hub = claims['https://hub.docker.com'] as Record<string, unknown> | undefined;
    return typeof hub?.username === 'string' && hub.username ? hub.username : undefined;
  } catch {
    return undefined;
  }
}
