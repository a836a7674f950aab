import type { Config } from '../config';
import { DockerMcpError } from '../errors';
import { hubDetail, hubError } from '../hub/errors';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client';
import { registerSecret } from '../http/redact';
import type { Logger } from '../log';
import { rereadHubToken } from './credentialsFile';

export interface HubAuthDeps {
  config: Config;
  http: HttpClient;
  log: Logger;
}

export type HubLoginEndpoint = '/v2/auth/token' | '/v2/users/login';

/** What can be said about the Hub login without showing the token. */
export interface HubAuthStatus {
  /** DOCKERHUB_USERNAME and DOCKERHUB_TOKEN are both set. */
  credentialsConfigured: boolean;
  /** A valid access token is held right now. */
  authenticated: boolean;
  /** The Docker ID (or organisation, for an organisation access token) the calls are made as. */
  username?: string;
  loginEndpoint?: HubLoginEndpoint;
  tokenExpiresAt?: string;
}

interface AccessToken {
  value: string;
  username?: string;
  expiresAtMs: number;
  refreshAtMs: number;
}

/** Hub says its access tokens live 10 minutes; a token without `exp` is trusted for half that. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;
const REFRESH_MARGIN_MS = 60_000;

export const MISSING_CREDENTIALS =
  'set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (a Docker Hub personal access token, or an organisation access token with the organisation name as username)';

/**
 * Docker Hub API login: the PAT is exchanged for a short-lived access token (JWT), kept until shortly before its
 * `exp`, shared by concurrent callers, and refreshed once when the API answers 401. The PAT goes only to the login
 * endpoint and the access token only to the Hub API origin — and, through `scoutAuthorization`, to Scout, which
 * accepts the same token.
 */
export class HubAuth {
  private token?: AccessToken;
  private pendingLogin?: Promise<AccessToken>;
  /** The token value Hub refused, so reads stop asking it; a new value (rotated, re-read from a file) is tried again. */
  private refusedToken: string | undefined;
  private refusal: string | undefined;
  private loginEndpoint: HubLoginEndpoint = '/v2/auth/token';
  private readonly hubOrigin: string;

  constructor(private readonly deps: HubAuthDeps) {
    this.hubOrigin = new URL(deps.config.hubApiUrl).origin;
  }

  get hasCredentials(): boolean {
    return Boolean(this.deps.config.username && this.deps.config.token);
  }

  status(): HubAuthStatus {
    const token = this.token && this.token.expiresAtMs > Date.now() ? this.token : undefined;
    return {
      credentialsConfigured: this.hasCredentials,
      authenticated: Boolean(token),
      username: token?.username ?? (this.hasCredentials ? this.deps.config.username : undefined),
      loginEndpoint: token ? this.loginEndpoint : undefined,
      tokenExpiresAt: token ? new Date(token.expiresAtMs).toISOString() : undefined,
    };
  }

  /** UNAUTHORIZED, before any request, for operations that cannot work anonymously. */
  requireCredentials(action: string): void {
    if (!this.hasCredentials) {
      throw new DockerMcpError('UNAUTHORIZED', `${action} needs a Docker Hub login: ${MISSING_CREDENTIALS}.`);
    }
  }

  /** The access token for the Hub API, or undefined when no credentials are configured. */
  async accessToken(): Promise<string | undefined> {
    if (!this.hasCredentials) return undefined;
    return (await this.currentToken()).value;
  }

  /** `Bearer <access token>` for Docker Scout, which takes the Hub access token; undefined when anonymous. */
  async scoutAuthorization(): Promise<string | undefined> {
    const token = await this.accessToken();
    return token ? `Bearer ${token}` : undefined;
  }

  /**
   * Sends a Hub API request, with the access token when credentials are configured and the URL is on the Hub API
   * origin. A 401 drops the token, logs in again and repeats the request once.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    if (!this.hasCredentials || new URL(req.url).origin !== this.hubOrigin || this.refusedToken === this.deps.config.token) {
      return this.deps.http.request(withoutAuthorization(req));
    }
    try {
      return await this.sendWithToken(req);
    } catch (err) {
      // A refused login must not hide public data: the read goes on anonymously, and the refusal is reported beside
      // the answer (refusedLogin). Writes, account and Scout calls still fail: they need the login.
      if (!(err instanceof DockerMcpError && err.code === 'UNAUTHORIZED' && err.status !== undefined)) throw err;
      this.refusedToken = this.deps.config.token;
      this.refusal = err.message;
      const anonymous = await this.deps.http.request(withoutAuthorization(req));
      // What needs the login (account data) keeps the refusal as its answer, not a vaguer anonymous 401.
      if (anonymous.status === 401 || anonymous.status === 403) throw err;
      return anonymous;
    }
  }

  /** Why Hub reads are anonymous although credentials are configured (their login was refused); undefined otherwise. */
  get refusedLogin(): string | undefined {
    return this.refusedToken !== undefined && this.refusedToken === this.deps.config.token ? this.refusal : undefined;
  }

  /**
   * Sends a request to Docker Scout (DOCKERHUB_SCOUT_URL), which takes the Hub access token on its own origin. As
   * with `request`, a 401 — the token expired or was revoked before its `exp` — logs in again and repeats it once.
   */
  async scoutRequest(req: HttpRequest): Promise<HttpResponse> {
    this.requireCredentials('Docker Scout vulnerability data');
    if (new URL(req.url).origin !== new URL(this.deps.config.scoutUrl).origin) {
      throw new DockerMcpError('UPSTREAM_ERROR', 'refused to send the Docker Hub access token to a host other than Docker Scout.');
    }
    return this.sendWithToken(req);
  }

  private async sendWithToken(req: HttpRequest): Promise<HttpResponse> {
    const first = await this.currentToken();
    const response = await this.deps.http.request(withBearer(req, first.value));
    if (response.status !== 401) return response;
    this.deps.log.info('Docker Hub answered 401; logging in again once', { url: req.url });
    this.drop(first);
    const second = await this.currentToken();
    return this.deps.http.request(withBearer(req, second.value));
  }

  private drop(token: AccessToken): void {
    if (this.token === token) this.token = undefined;
  }

  private currentToken(): Promise<AccessToken> {
    if (this.token && Date.now() < this.token.refreshAtMs) return Promise.resolve(this.token);
    if (!this.pendingLogin) {
      this.pendingLogin = this.login()
        .then((token) => {
          this.token = token;
          return token;
        })
        .finally(() => {
          this.pendingLogin = undefined;
        });
    }
    return this.pendingLogin;
  }

  /** A refused token is read again from DOCKERHUB_TOKEN_FILE: a rotated secret logs in without a restart. */
  private async login(): Promise<AccessToken> {
    try {
      return await this.loginOnce();
    } catch (err) {
      if (!(err instanceof DockerMcpError && err.code === 'UNAUTHORIZED' && (await rereadHubToken(this.deps.config)))) throw err;
      this.deps.log.info('Docker Hub refused the token; DOCKERHUB_TOKEN_FILE holds a new one, logging in with it');
      return this.loginOnce();
    }
  }

  private async loginOnce(): Promise<AccessToken> {
    if (this.loginEndpoint === '/v2/auth/token') {
      const response = await this.post('/v2/auth/token', {
        identifier: this.deps.config.username,
        secret: this.deps.config.token,
      });
      if (response.status !== 404 && response.status !== 405) {
        return this.accept(response, 'access_token');
      }
      // Hub installations that predate /v2/auth/token only have the (deprecated) users/login route.
      this.deps.log.info('POST /v2/auth/token is absent; using /v2/users/login');
      this.loginEndpoint = '/v2/users/login';
    }
    const response = await this.post('/v2/users/login', {
      username: this.deps.config.username,
      password: this.deps.config.token,
    });
    if (response.status === 404 || response.status === 405) {
      throw new DockerMcpError(
        'UPSTREAM_ERROR',
        `${this.deps.config.hubApiUrl} offers neither POST /v2/auth/token nor POST /v2/users/login; check DOCKERHUB_API_URL.`,
        { status: response.status },
      );
    }
    return this.accept(response, 'token');
  }

  private post(path: HubLoginEndpoint, body: Record<string, unknown>): Promise<HttpResponse> {
    return this.deps.http.request({
      method: 'POST',
      url: `${this.deps.config.hubApiUrl}${path}`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private accept(response: HttpResponse, field: 'access_token' | 'token'): AccessToken {
    if (response.status === 401 || response.status === 403) {
      const detail = hubDetail(response);
      const twoFactor = /2fa|second factor|two.factor/i.test(response.body.toString('utf8'));
      throw new DockerMcpError(
        'UNAUTHORIZED',
        `Docker Hub refused the login of "${this.deps.config.username}"${detail ? ` (${detail})` : ''}: check that ` +
          `DOCKERHUB_TOKEN is a valid, unrevoked personal access token for DOCKERHUB_USERNAME` +
          `${twoFactor ? ' (accounts with two-factor authentication must use a personal access token, not the password)' : ''}.`,
        { status: response.status },
      );
    }
    if (response.status < 200 || response.status >= 300) throw hubError(response, 'the Docker Hub login');
    let value: unknown;
    try {
      value = (JSON.parse(response.body.toString('utf8')) as Record<string, unknown>)[field];
    } catch {
      value = undefined;
    }
    if (typeof value !== 'string' || !value) {
      throw new DockerMcpError('UPSTREAM_ERROR', `the Docker Hub login answered without a "${field}"; try again later.`);
    }
    registerSecret(value);
    const claims = jwtClaims(value);
    const now = Date.now();
    const lifetimeMs = tokenLifetimeMs(claims, now);
    const token: AccessToken = {
      value,
      username: hubUsernameClaim(claims) ?? this.deps.config.username,
      expiresAtMs: now + lifetimeMs,
      refreshAtMs: now + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4),
    };
    this.deps.log.info('logged in to Docker Hub', {
      username: token.username,
      endpoint: this.loginEndpoint,
      expiresAt: new Date(token.expiresAtMs).toISOString(),
    });
    return token;
  }
}

function withBearer(req: HttpRequest, token: string): HttpRequest {
  return { ...req, headers: { ...withoutAuthorization(req).headers, authorization: `Bearer ${token}` } };
}

function withoutAuthorization(req: HttpRequest): HttpRequest {
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization'));
  return { ...req, headers };
}

/** The payload of a JWT, unverified: we only read when it expires and whose it is. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long the token lives, measured with `exp - iat` when both are there so a skewed local clock does not make a
 * fresh token look expired.
 */
function tokenLifetimeMs(claims: Record<string, unknown> | undefined, now: number): number {
  const exp = typeof claims?.exp === 'number' ? claims.exp : undefined;
  const iat = typeof claims?.iat === 'number' ? claims.iat : undefined;
  if (exp === undefined) return UNKNOWN_LIFETIME_MS;
  const lifetime = iat !== undefined ? (exp - iat) * 1000 : exp * 1000 - now;
  return Math.max(0, lifetime);
}

/** Hub's JWTs name the account under the `https://hub.docker.com` claim. */
function hubUsernameClaim(claims: Record<string, unknown> | undefined): string | undefined {
  const hub = claims?.['https://hub.docker.com'];
  if (hub && typeof hub === 'object') {
    const username = (hub as Record<string, unknown>).username;
    if (typeof username === 'string' && username) return username;
  }
  return undefined;
}
